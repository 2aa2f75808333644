"""Scaffold a chapter page (and, with ``--experiment``, its experiment and figure) that builds at once.

    scripts/new-page momentum                 # docs/momentum.md, quoting the student data set
    scripts/new-page momentum --experiment    # + lesson/experiments/momentum.py, its registration,
                                              #   lesson_figures/momentum.py and its registration

Writes the page from a template (a title, an "In short" block, a quoted value, a figure, a live
cell that trains, the same recipe in scikit-learn, a question with a hidden answer; with
``--experiment`` also a code exercise checked against the page's results), adds it to mkdocs.yml's
navigation after the last teaching page (before the reference pages, the tools and the notebook),
and with ``--experiment`` a small experiment (a frozen config, ``run_<name>`` training a few runs
with ``train_many``) and a figure of it, registered where the build finds them. Refuses to
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
from pathlib import Path

from site_src.build.pages import last_concept_page, nav_pages

ROOT = Path(__file__).resolve().parent.parent
#: What the README says to preview with (plain `mkdocs serve` stops answering after a build error).
PREVIEW_COMMAND = "scripts/serve"

PAGE = '''# {title}

!!! abstract "In short"

    One sentence on what this page teaches. A second on why it matters when tuning a network.
    A third with the rule a reader takes away.

One paragraph on what this page teaches and why it matters when tuning a network.

{{{{ figure: {figure} }}}}

Quote every number from the results, never type it: the training split has
{{{{ value: {experiment}.{key} | {spec} }}}} students here.

```python-live title="Try it"
from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset
#| end-setup
data = make_dataset(DataConfig(n_train=200))
for learning_rate in (0.03, 0.3):
    history = fit(data, NetworkConfig(hidden=(8,)), TrainConfig(learning_rate=learning_rate, epochs=30)).history
    print(f"learning rate {{learning_rate}}: validation loss {{history.val_loss[-1]:.3f}} after {{history.stopped_epoch}} epochs")
```

The same recipe in scikit-learn (the page loads it only when this cell runs):

```python-live title="The same in scikit-learn" height="3" timeout="180"
import warnings
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from lesson import DataConfig, make_dataset
warnings.filterwarnings("ignore", category=ConvergenceWarning)  # max_iter is the epoch budget here
#| end-setup
data = make_dataset(DataConfig(n_train=200))
for learning_rate in (0.03, 0.3):
    model = MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", solver="sgd", momentum=0.0,
                          learning_rate_init=learning_rate, batch_size=32, max_iter=30, random_state=0)
    model.fit(data.x_train, data.y_train)
    print(f"learning rate {{learning_rate}}: validation loss {{log_loss(data.y_val, model.predict_proba(data.x_val)):.3f}}")
```

??? question "Check yourself"

    A question that needs this page's idea to answer.

    **Answer.** The answer, with the reasoning that leads to it.
{exercise}'''

#: A code exercise for a page with its own experiment: its hidden check reads the page's results.
EXERCISE = '''
## Exercises {{ #exercises }}

Write the rule this page's figure shows: among the learning rates tried, the one whose run ended
with the lowest validation loss (a diverged run's loss is `None`).

```exercise id="{slug}-lowest-loss" title="The lowest loss" kind="code"
#| starter
def lowest_loss_rate(rates, losses):
    ...
#| solution
def lowest_loss_rate(rates, losses):
    finished = [(loss, rate) for rate, loss in zip(rates, losses) if loss is not None]
    return min(finished)[1]
#| check: picks the rate with the lowest loss
assert lowest_loss_rate([0.1, 1.0], [0.5, 0.2]) == 1.0, "lowest_loss_rate([0.1, 1.0], [0.5, 0.2]) should be 1.0"
#| check: skips a diverged run
assert lowest_loss_rate([0.1, 10.0], [0.5, None]) == 0.1, "a diverged run (loss None) is never the best"
#| hidden check: agrees with this page's runs
assert lowest_loss_rate({{{{ value: {name}.learning_rates }}}}, {{{{ value: {name}.final_val_loss }}}}) == {{{{ value: {name}.best_learning_rate }}}}
#| hint
Pair each rate with its loss (`zip`), leave out the pairs whose loss is `None`, then take the smallest.
#| explanation
`min` over `(loss, rate)` pairs compares the losses first, so it returns the pair with the lowest loss.
```
'''


EXPERIMENT = '''"""{title}: the experiment behind docs/{page}.md (scaffolded by scripts/new-page; make it yours)."""

from __future__ import annotations

from dataclasses import dataclass

from lesson.experiments._common import check_fields, dataset, final, runs_for, train


@dataclass(frozen=True)
class {config}:
    """Settings of the experiment (validated: a bad value names the field and the valid range)."""

    learning_rates: tuple[float, ...] = (0.03, 0.3, 3.0)
    epochs: int = 30
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {{"learning_rates": ("floats", 1e-6, 100.0), "epochs": ("int", 1, 1000),
                            "n_train": ("int", 20, 5000)}})


def run_{name}(config: {config}) -> dict:
    """Final validation loss for each learning rate (one seed each).

    Result keys: ``learning_rates``; ``final_val_loss`` (one per learning rate, None if diverged);
    ``best_learning_rate`` (the one with the lowest final validation loss); ``n_train``.
    """
    data = dataset(config.n_train, 0)
    trained = [train(data, runs_for(1, learning_rate=lr, epochs=config.epochs))[0]
               for lr in config.learning_rates]
    losses = [final(t.history, "val_loss") for t in trained]
    finished = [(loss, rate) for rate, loss in zip(config.learning_rates, losses) if loss is not None]
    return {{"learning_rates": list(config.learning_rates), "final_val_loss": losses,
            "best_learning_rate": min(finished)[1] if finished else None, "n_train": config.n_train}}
'''

FIGURE = '''"""Figures of docs/{page}.md (scaffolded by scripts/new-page; make them yours)."""

from __future__ import annotations

from matplotlib.axes import Axes

from lesson_figures.common import VAL_LOSS_LABEL, finite_points
from site_src.figures.registry import FigureSpec


def draw_{name}(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    rates, losses = finite_points(result["learning_rates"], result["final_val_loss"])
    artists = ax.plot(rates, losses, marker="o")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel(VAL_LOSS_LABEL)
    return artists


def caption_{name}(result: dict) -> str:
    return f"Final validation loss for {{len(result['learning_rates'])}} learning rates ({{result['n_train']}} students)."


def alt_{name}(result: dict) -> str:
    pairs = ", ".join(f"η = {{r:g}}: {{loss:.3f}}" for r, loss in zip(*finite_points(result["learning_rates"], result["final_val_loss"])))
    return f"Line chart of final validation loss against learning rate: {{pairs}}."


FIGURES: list[FigureSpec] = [
    FigureSpec("{name}", "{name}", draw_{name}, caption_{name}, alt_{name}),
]
'''


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


def register_experiment(root: Path, name: str, title: str, config: str) -> None:
    registry = root / "lesson" / "experiments" / "__init__.py"
    insert_before(registry, "\n\nclass UnknownExperimentError", f"\nfrom lesson.experiments.{name} import {config}, run_{name}")
    insert_before(registry, "\n)\n\n# Read-only name -> Experiment mapping",
                  f'\n    Experiment("{name}", "{title}", {config}, run_{name}),')


def register_figures(root: Path, name: str) -> None:
    index = root / "lesson_figures" / "__init__.py"
    source = index.read_text(encoding="utf-8")
    imports = re.search(r"^from lesson_figures import (.+)$", source, re.M)
    modules = re.search(r"^PAGE_MODULES = \((.+?)\)$", source, re.M | re.S)
    if not imports or not modules:
        raise NewPageError(f"{index}: cannot find the figure modules' import and PAGE_MODULES; register {name} by hand")
    source = source.replace(imports.group(0), f"{imports.group(0)}, {name}", 1)
    source = source.replace(modules.group(0), f"PAGE_MODULES = ({modules.group(1)}, {name})", 1)
    index.write_text(source, encoding="utf-8")


def scaffold(root: Path, name: str, with_experiment: bool) -> list[Path]:
    """Write the page (and experiment, figure) for ``name``; returns the files written."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise NewPageError(f"page name {name!r}: use lower-case letters, digits and _ (it names a module), e.g. momentum")
    slug, title = name.replace("_", "-"), name.replace("_", " ").capitalize()
    page = root / "docs" / f"{slug}.md"
    targets = [page]
    if with_experiment:
        targets += [root / "lesson" / "experiments" / f"{name}.py", root / "lesson_figures" / f"{name}.py"]
    existing = [str(path.relative_to(root)) for path in targets if path.exists()]
    if existing:
        raise NewPageError(f"{', '.join(existing)} already exist(s): choose another name or edit it")
    experiment, key, spec, figure = ("dataset", "n_train", "d", "dataset")
    if with_experiment:
        config = "".join(part.capitalize() for part in name.split("_")) + "Config"
        targets[1].write_text(EXPERIMENT.format(title=title, page=slug, name=name, config=config), encoding="utf-8")
        targets[2].write_text(FIGURE.format(page=slug, name=name), encoding="utf-8")
        register_experiment(root, name, title, config)
        register_figures(root, name)
        experiment, key, spec, figure = (name, "n_train", "d", name)
    exercise = EXERCISE.format(slug=slug, name=name) if with_experiment else ""
    page.write_text(PAGE.format(title=title, figure=figure, experiment=experiment, key=key, spec=spec, exercise=exercise),
                    encoding="utf-8")
    add_to_nav(root / "mkdocs.yml", title, f"{slug}.md")
    return targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/new-page", description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the page's name, e.g. momentum (also names the experiment and figure)")
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
    for line in checklist(args.root, args.experiment, args.name):
        print(f"new-page: {line}")
    return 0


def nav_before(root: Path, page: str) -> str:
    """The navigation entry just before ``page``."""
    pages = nav_pages(root / "mkdocs.yml")
    return pages[pages.index(page) - 1]


if __name__ == "__main__":
    sys.exit(main())
