"""Scaffold a chapter page (and, with ``--experiment``, its experiment and figure) that builds at once.

    scripts/new-page warm-restarts                # docs/warm-restarts.md, quoting the student data set
    scripts/new-page warm-restarts --experiment   # + <experiments package>/warm_restarts.py, its registration,
                                                  #   <figures package>/warm_restarts.py and its registration

A page's name is its file's (``warm-restarts``: lower-case words joined by ``-``, or by ``_``); its
experiment, figure and modules take the same words joined by ``_`` (``warm_restarts``). The
packages are those the ``chapter`` plugin's settings in mkdocs.yml name (``engine``,
``experiments``, ``figures``, with the plugin's defaults), and the text comes from the chapter's
own templates in ``scaffold/`` beside mkdocs.yml (`TEMPLATES`: they call the chapter's engine, so
they belong to the chapter, not to this machinery): the page (a title, an "In short" block, a
quoted value, a figure, a live cell that trains, the same recipe in scikit-learn, a question with a
hidden answer; with ``--experiment`` also a code exercise checked against the page's results),
the experiment (a frozen config, ``run_<name>`` training every run at once over several seeds) and
its figure, registered where the build finds them. The page joins mkdocs.yml's navigation after
the last teaching page (before the reference pages, the tools and the notebook). Refuses to
overwrite anything. The chapter and browser tests find the page, its cells and its exercise from
the navigation and the built site, so it is tested at once, and passes as written
(tests/site_build/test_authoring_loop.py); replace the template's text and numbers with the
page's own. It ends by printing the preview command and the hand-written places that list the
chapter's pages, for the author to add the new one to.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path


from site_src.build.pages import last_concept_page, nav_pages, read_mkdocs_yml
from site_src.project import DEFAULT_ENGINE, experiments_module, figures_module

ROOT = Path(__file__).resolve().parent.parent
#: What the README says to preview with (plain `mkdocs serve` stops answering after a build error).
PREVIEW_COMMAND = "scripts/serve"
#: The chapter's templates, in the folder SCAFFOLD beside mkdocs.yml, read with `str.format`
#: (``{{`` and ``}}`` for a literal brace): the page, its exercise (``--experiment``), the
#: experiment module and the figure module.
SCAFFOLD = "scaffold"
TEMPLATES = {"page": "page.md.tmpl", "exercise": "exercise.md.tmpl", "experiment": "experiment.py.tmpl",
             "figure": "figure.py.tmpl"}
#: A page's name: lower-case words of letters and digits joined by - or _ (the first word starts with a letter).
NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


class NewPageError(ValueError):
    """The page cannot be scaffolded; the message says why and what to do."""


def insert_before(path: Path, anchor: str, text: str) -> None:
    """Insert ``text`` before the line ``anchor`` of ``path`` (which must hold it exactly once)."""
    source = path.read_text(encoding="utf-8")
    if source.count(anchor) != 1:
        raise NewPageError(f"{path}: expected the line {anchor.strip()!r} exactly once to add the new entry before it; add it by hand")
    path.write_text(source.replace(anchor, text + anchor, 1), encoding="utf-8")


def add_to_nav(config: Path, title: str, page: str) -> None:
    """Add ``page`` to the navigation right after its last teaching page, at that entry's indent."""
    after = last_concept_page(config)
    source = config.read_text(encoding="utf-8")
    entry = re.search(rf"^(?P<indent>[ \t]*)- [^\n]*:[ \t]*{re.escape(after)}[ \t]*\n", source, re.M) if after else None
    if entry is None:
        raise NewPageError(f"{config}: found no teaching page in the nav to add {page} after; "
                           f"add the line '  - {title}: {page}' to its nav by hand")
    config.write_text(source[:entry.end()] + f"{entry['indent']}- {title}: {page}\n" + source[entry.end():], encoding="utf-8")


#: The hand-written places that list the chapter's pages, which a new page may need to join:
#: (file, a line's text that marks the place, what it is). tests/site_build/test_new_page.py
#: fails when a marker is gone, so the list cannot silently go stale.
PAGE_LISTS = (
    ("docs/index.md", "## What you will learn", "the overview's cards, one per page"),
    ("docs/index.md", "end with **exercises**", "the overview's sentence on the pages with exercises"),
    ("docs/continue-learning.md", "## Related topics", "topics beyond this chapter: drop yours if this page covers it"),
    ("README.md", "## What is in the chapter", "the README's list of pages"),
)


def page_lists(root: Path) -> list[str]:
    """'file:line: what it is' for each of PAGE_LISTS, or what to fix where a marker is gone."""
    places = []
    for name, marker, what in PAGE_LISTS:
        lines = (root / name).read_text(encoding="utf-8").splitlines() if (root / name).is_file() else []
        line = next((number for number, text in enumerate(lines, 1) if marker in text), None)
        places.append(f"{name}:{line}: {what}" if line else
                      f"{name}: no line holds {marker!r} any more: update PAGE_LISTS in site_src/new_page.py")
    return places


def checklist(root: Path, with_experiment: bool, name: str) -> list[str]:
    """What the scaffold cannot do for the author, as lines to print."""
    lines = [f"preview while writing: {PREVIEW_COMMAND} (then open http://127.0.0.1:8000/)",
             "hand-written lists of the chapter's pages: add the new one where it belongs:"]
    lines += [f"  {place}" for place in page_lists(root)]
    if with_experiment:
        lines.append(f"once the experiment is final: scripts/time-reruns {name} (the figure's Rerun button quotes it; commit rerun-seconds.json)")
    lines.append("claims the prose makes in words: tests/chapter/test_claims_<page>.py (README, 'A claim')")
    return lines


@dataclass(frozen=True)
class Chapter:
    """What the scaffold needs of a chapter: its folder and the modules its plugin settings name."""

    root: Path
    engine: str
    experiments: str  # the module holding the experiments' registry
    figures: str  # the module holding the figures' registry

    @classmethod
    def of(cls, root: Path) -> Chapter:
        """The chapter whose mkdocs.yml is in `root`, as its ``chapter`` plugin entry names the modules."""
        settings = chapter_settings(root / "mkdocs.yml")
        engine = settings.get("engine", DEFAULT_ENGINE)
        return cls(root, engine, experiments_module(engine, settings.get("experiments")),
                   figures_module(engine, settings.get("figures")))

    def package(self, module: str) -> Path:
        return self.root.joinpath(*module.split("."))

    def registered(self, name: str) -> list[str]:
        """Where an experiment or a figure `name` is registered already, as 'file:line (what)'."""
        calls = {"experiment": (self.package(self.experiments), f'Experiment("{name}",'),
                 "figure": (self.package(self.figures), f'FigureSpec("{name}",')}
        return [f"{path.relative_to(self.root)}:{number} (the {kind} {name})"
                for kind, (package, call) in calls.items() for path in sorted(package.glob("*.py"))
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if call in line]

    def template(self, kind: str) -> str:
        path = self.root / SCAFFOLD / TEMPLATES[kind]
        if not path.is_file():
            raise NewPageError(f"{path} is missing: the scaffold writes pages from the chapter's templates in "
                               f"{SCAFFOLD}/ ({', '.join(TEMPLATES.values())}); copy them from this repository's "
                               f"{SCAFFOLD}/ and make them call your engine (README, 'Start a chapter of your own')")
        return path.read_text(encoding="utf-8")


def chapter_settings(config: Path) -> dict:
    """The ``chapter`` plugin's settings in mkdocs.yml ({} when it lists the plugin without any)."""
    plugins = read_mkdocs_yml(config).get("plugins") or []
    for entry in plugins:
        if entry == "chapter":
            return {}
        if isinstance(entry, dict) and "chapter" in entry:
            return entry["chapter"] or {}
    raise NewPageError(f"{config}: its plugins do not list chapter; the scaffold writes pages for a chapter built by it "
                       "(README, 'Start a chapter of your own')")


def register_experiment(chapter: Chapter, name: str, title: str, config: str) -> None:
    registry = chapter.package(chapter.experiments) / "__init__.py"
    insert_before(registry, "\n\nclass UnknownExperimentError", f"\nfrom {chapter.experiments}.{name} import {config}, run_{name}")
    insert_before(registry, "\n)\n\n# Read-only name -> Experiment mapping",
                  f'\n    Experiment("{name}", "{title}", {config}, run_{name}),')


def register_figures(chapter: Chapter, name: str) -> None:
    index = chapter.package(chapter.figures) / "__init__.py"
    source = index.read_text(encoding="utf-8")
    imports = re.search(rf"^from {re.escape(chapter.figures)} import (.+)$", source, re.M)
    modules = re.search(r"^PAGE_MODULES = \((.+?)\)$", source, re.M | re.S)
    if not imports or not modules:
        raise NewPageError(f"{index}: cannot find the figure modules' import and PAGE_MODULES; register {name} by hand")
    source = source.replace(imports.group(0), f"{imports.group(0)}, {name}", 1)
    source = source.replace(modules.group(0), f"PAGE_MODULES = ({modules.group(1)}, {name})", 1)
    index.write_text(source, encoding="utf-8")


def scaffold(root: Path, name: str, with_experiment: bool) -> list[Path]:
    """Write the page (and experiment, figure) for ``name``; returns the files written."""
    if not NAME.fullmatch(name):
        raise NewPageError(f"page name {name!r}: use lower-case words of letters and digits joined by - (or _), "
                           "e.g. warm-restarts")
    slug, module = name.replace("_", "-"), name.replace("-", "_")  # the page's file; the experiment's and figure's modules
    title = module.replace("_", " ").capitalize()
    chapter = Chapter.of(root)
    page = root / "docs" / f"{slug}.md"
    targets = [page]
    if with_experiment:
        targets += [chapter.package(chapter.experiments) / f"{module}.py", chapter.package(chapter.figures) / f"{module}.py"]
    existing = [str(path.relative_to(root)) for path in targets if path.exists()]
    if with_experiment:
        existing += chapter.registered(module)
    if existing:
        raise NewPageError(f"{', '.join(existing)} already exist(s): choose another name or edit it")
    templates = {kind: chapter.template(kind) for kind in (TEMPLATES if with_experiment else ("page",))}
    experiment, key, spec, figure = ("dataset", "n_train", "d", "dataset")
    if with_experiment:
        config = "".join(part.capitalize() for part in module.split("_")) + "Config"
        targets[1].write_text(templates["experiment"].format(title=title, page=slug, name=module, config=config), encoding="utf-8")
        targets[2].write_text(templates["figure"].format(page=slug, name=module), encoding="utf-8")
        register_experiment(chapter, module, title, config)
        register_figures(chapter, module)
        experiment, key, spec, figure = (module, "n_train", "d", module)
    exercise = templates["exercise"].format(slug=slug, name=module) if with_experiment else ""
    page.write_text(templates["page"].format(title=title, figure=figure, experiment=experiment, key=key, spec=spec,
                                             exercise=exercise), encoding="utf-8")
    add_to_nav(root / "mkdocs.yml", title, f"{slug}.md")
    return targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/new-page", description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the page's name, e.g. warm-restarts (its experiment and figure: warm_restarts)")
    parser.add_argument("--experiment", action="store_true", help="also scaffold an experiment and its figure")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        written = scaffold(args.root, args.name, args.experiment)
    except NewPageError as err:
        print(f"new-page: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"new-page: wrote {path.relative_to(args.root)}")
    print(f"new-page: added {written[0].name} to mkdocs.yml's nav after {nav_before(args.root, written[0].name)}")
    for line in checklist(args.root, args.experiment, args.name.replace("-", "_")):
        print(f"new-page: {line}")
    return 0


def nav_before(root: Path, page: str) -> str:
    """The navigation entry just before ``page``."""
    pages = nav_pages(root / "mkdocs.yml")
    return pages[pages.index(page) - 1]


if __name__ == "__main__":
    sys.exit(main())
