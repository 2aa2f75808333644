"""A kind of fence registers itself: one module defining one `FenceKind` is all SuperFences and the
build's checks need (site_src/markdown/fences.py); mkdocs.yml and the pipeline name no fence."""

from __future__ import annotations

import pytest
from build_helpers import build_site, copy_fixture_site

from site_src.markdown.fences import FenceKind, FenceKindError, fence_kinds

#: A chapter's own fence module, as the README's recipe writes one.
SHOUT_MODULE = '''
import html

from site_src.markdown.fences import FenceError, FenceKind


class ShoutFence(FenceKind[str]):
    name = "shout"
    html_class = "shout"

    def parse(self, fence):
        if fence.options:
            raise FenceError("it takes no options: write ```shout alone")
        return fence.body

    def render(self, spec, md, class_name):
        return f'<p class="{class_name}">{html.escape(spec.upper())}</p>'


SHOUT = ShoutFence()
'''


def test_the_machinerys_fences_register_themselves_with_the_classes_their_html_had():
    # (<=: a maintainer's new fence joins these without this test changing)
    assert {"exercise": "exercise no-copy", "exercise-progress": "exercise-progress",
            "python-live": "live-cell no-copy"}.items() <= {kind.name: kind.html_class for kind in fence_kinds()}.items()


def test_a_second_kind_under_a_registered_name_is_refused_naming_both_modules():
    class Impostor(FenceKind[None]):
        name = "python-live"
        html_class = "impostor"

    with pytest.raises(FenceKindError, match=r"a fence named 'python-live' is already defined by site_src\.markdown\.livecells"):
        Impostor()
    assert [kind for kind in fence_kinds() if kind.name == "python-live"][0].html_class == "live-cell no-copy"


def test_an_unimportable_fence_module_is_named_with_the_fix():
    with pytest.raises(FenceKindError, match=r"fence module no_such_fences: cannot import it .*importable from the folder of mkdocs\.yml"):
        fence_kinds(["no_such_fences"])


def _site_with_shout(tmp_path, fence_line: str):
    root = copy_fixture_site(tmp_path / "site")
    (root / "shout_fence.py").write_text(SHOUT_MODULE, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      workers: 1", "      workers: 1\n      fences: [shout_fence]"),
                      encoding="utf-8")
    page = root / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\n{fence_line}\nhello\n```\n", encoding="utf-8")
    return root, len(page.read_text(encoding="utf-8").splitlines()) - 2


def test_a_chapters_fence_module_is_rendered_by_superfences_with_no_mkdocs_yml_entry(tmp_path):
    root, _ = _site_with_shout(tmp_path, "```shout")
    build_site(root)
    assert '<p class="shout">HELLO</p>' in (root / "site" / "index.html").read_text(encoding="utf-8")


def test_a_chapters_malformed_fence_fails_the_build_with_its_file_and_line(tmp_path):
    root, line = _site_with_shout(tmp_path, '```shout loud="yes"')
    completed = build_site(root, check=False)
    assert completed.returncode != 0
    assert f"docs/index.md:{line}: shout fence: it takes no options: write ```shout alone" in completed.stdout + completed.stderr

