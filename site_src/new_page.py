"""Scaffold a chapter page (and, with ``--experiment``, its experiment and figure) that builds at once.

    scripts/new-page momentum                 # docs/momentum.md, quoting the student data set
    scripts/new-page momentum --experiment    # + lesson/experiments/momentum.py, its registration,
                                              #   site_src/figures/momentum.py and its registration

Writes the page from a template (a title, a quoted value, a figure, a live cell, a question with a
hidden answer), adds it to mkdocs.yml's navigation before "Key concepts", and with
``--experiment`` a small experiment (a frozen config, ``run_<name>`` training a few runs with
``train_many``) and a figure of it, registered where the build finds them. Refuses to overwrite
anything. The chapter tests find the page from the navigation, so it is tested at once; replace
the template's text and numbers with the page's own.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAV_ANCHOR = "  - Key concepts: key-concepts.md"

PAGE = '''# {title}

One paragraph on what this page teaches and why it matters when tuning a network.

{{{{ figure: {figure} }}}}

Quote every number from the results, never type it: the training split has
{{{{ value: {experiment}.{key} | {spec} }}}} here.

```python-live title="Try it"
from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset
#| end-setup
data = make_dataset(DataConfig(n_train=200))
history = fit(data, NetworkConfig(hidden=(8,)), TrainConfig(learning_rate=0.3, epochs=30)).history
print(f"validation loss after {{history.stopped_epoch}} epochs: {{history.val_loss[-1]:.3f}}")
```

??? question "Check yourself"

    A question that needs this page's idea to answer.

    **Answer.** The answer, with the reasoning that leads to it.
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
    ``n_train``.
    """
    data = dataset(config.n_train, 0)
    trained = [train(data, runs_for(1, learning_rate=lr, epochs=config.epochs))[0]
               for lr in config.learning_rates]
    return {{"learning_rates": list(config.learning_rates),
            "final_val_loss": [final(t.history, "val_loss") for t in trained],
            "n_train": config.n_train}}
'''

FIGURE = '''"""Figures of docs/{page}.md (scaffolded by scripts/new-page; make them yours)."""

from __future__ import annotations

from matplotlib.axes import Axes

from site_src.figures.common import VAL_LOSS_LABEL, finite_points
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
        raise NewPageError(f"{path}: expected the line {anchor.strip()!r} exactly once to add after it; add the entry by hand")
    path.write_text(source.replace(anchor, text + anchor, 1), encoding="utf-8")


def register_experiment(root: Path, name: str, title: str, config: str) -> None:
    registry = root / "lesson" / "experiments" / "__init__.py"
    insert_before(registry, "\n\nclass UnknownExperimentError", f"\nfrom lesson.experiments.{name} import {config}, run_{name}")
    insert_before(registry, "\n)\n\n# Read-only name -> Experiment mapping",
                  f'\n    Experiment("{name}", "{title}", {config}, run_{name}),')


def register_figures(root: Path, name: str) -> None:
    index = root / "site_src" / "figures" / "__init__.py"
    source = index.read_text(encoding="utf-8")
    imports = re.search(r"^from site_src\.figures import (.+)$", source, re.M)
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
        targets += [root / "lesson" / "experiments" / f"{name}.py", root / "site_src" / "figures" / f"{name}.py"]
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
    page.write_text(PAGE.format(title=title, figure=figure, experiment=experiment, key=key, spec=spec), encoding="utf-8")
    insert_before(root / "mkdocs.yml", NAV_ANCHOR, f"  - {title}: {slug}.md\n")
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
    print("new-page: added to mkdocs.yml's nav; preview with `NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs serve`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
