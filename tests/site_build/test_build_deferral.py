"""Under the preview a build carries a `Deferral`: what the page being edited needs is made, any
other missing item is served as the last build made it and reported as waiting
(`site_src.build.step`); without one (`scripts/build`) every miss is made."""

from __future__ import annotations

import pytest

from site_src.build.cache import ContentCache
from site_src.build.step import BuildContext, Deferral, Interrupted
from site_src.project import Project

EDITED, OTHER = "docs/edited.md", "docs/other.md"
NEEDED_BY = {("experiment", "mine"): {EDITED}, ("experiment", "theirs"): {OTHER},
             ("experiment", "new_theirs"): {OTHER}, ("experiment", "shared"): {EDITED, OTHER}}


def context(tmp_path, deferral: Deferral | None) -> BuildContext:
    return BuildContext(Project(tmp_path), ContentCache(tmp_path / "cache"), {}, log=lambda _: None, deferral=deferral)


def made_by(made: list[str]):
    def make(names: list[str]):
        made.extend(names)
        return {name: (f"new {name}".encode(), 0.0) for name in names}
    return make


def test_a_deferral_makes_what_the_edited_page_needs_and_serves_the_others_last_bytes(tmp_path):
    cache = ContentCache(tmp_path / "cache")
    for name in ("mine", "theirs", "shared"):
        cache.put("result", f"old-{name}", f"old {name}".encode())
    previous = {("experiment", name): f"old-{name}" for name in ("mine", "theirs", "shared")}
    build = context(tmp_path, Deferral(frozenset({EDITED}), previous, dict(NEEDED_BY)))
    made: list[str] = []
    keys = {name: f"new-{name}" for name in ("mine", "theirs", "new_theirs", "shared")}
    payloads = build.cached("experiment", keys, made_by(made), cache_kind="result")
    # theirs waits (the last build's bytes); new_theirs has no last bytes, so it is made now
    assert sorted(made) == ["mine", "new_theirs", "shared"]
    assert payloads["theirs"] == b"old theirs" and payloads["mine"] == b"new mine"
    assert build.report.deferred == {("experiment", "theirs"): [OTHER]}
    assert build.report.item_keys[("experiment", "theirs")] == "old-theirs", "the next build's way back to them"
    assert build.report.item_keys[("experiment", "mine")] == "new-mine"
    assert "old-theirs" in build.report.used_keys["result"], "pruning keeps the bytes shown meanwhile"


def test_an_item_named_by_its_page_waits_unless_that_page_is_open_or_saved(tmp_path):
    deferral = Deferral(frozenset({EDITED}), {})
    assert deferral.waits("cells", OTHER) and not deferral.waits("cells", EDITED)
    assert not Deferral(frozenset({EDITED, OTHER}), {}).waits("cells", OTHER), "a page saved since is made too"


def test_without_a_deferral_every_miss_is_made(tmp_path):
    cache = ContentCache(tmp_path / "cache")
    cache.put("result", "old-theirs", b"old theirs")
    build = context(tmp_path, None)
    made: list[str] = []
    payloads = build.cached("experiment", {"mine": "new-mine", "theirs": "new-theirs"}, made_by(made), cache_kind="result")
    assert sorted(made) == ["mine", "theirs"] and payloads["theirs"] == b"new theirs"
    assert build.report.deferred == {}


def test_an_interruptible_build_stops_between_two_items_and_keeps_what_it_made(tmp_path):
    made: list[str] = []
    build = BuildContext(Project(tmp_path), ContentCache(tmp_path / "cache"), {}, log=lambda _: None,
                         interrupted=lambda: len(made) == 1)  # a save arrives while the first item is made
    with pytest.raises(Interrupted, match="stopped before second"):
        build.cached("experiment", {"first": "key-1", "second": "key-2"}, made_by(made), cache_kind="result")
    assert made == ["first"]
    assert build.cache.get("result", "key-1") == b"new first", "what was made is kept for the next build"
