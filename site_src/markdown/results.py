"""Python-Markdown extension: numbers and figures from the experiments' results.

Syntax (see ARCHITECTURE.md):

- `{{ value: lr_sweep.best_learning_rate | .2g }}` anywhere in a line (outside fenced code) is
  replaced by the value at that dotted key path of the experiment's result (list indices are
  numbers, -1 is the last item), formatted with the optional Python format spec after `|`;
- a line holding only `{{ figure: lr_curves }}` becomes a `<figure>` with the SVG, its alt text, its
  Markdown caption, a download link to the result data the figure was drawn from and a place
  for the "Rerun in your browser" control (`verify_placeholder`, filled by js/verify-figure.js).

>>> [ref] = parse_references(["The best rate was {{ value: lr_sweep.best_learning_rate | .2g }}."])
>>> ref.kind, ref.target, ref.key_path, ref.spec
('value', 'lr_sweep', ('best_learning_rate',), '.2g')
>>> resolve_key_path({"runs": [{"loss": 0.25}]}, "demo", ["runs", -1, "loss"])
0.25
>>> format_value(0.123456, ".1%", "demo.loss")
'12.3%'

The extension only reads what the experiment/figure step (`site_src.build.pipeline`) wrote into
`generated_dir`: `index.json` (valid names, figure captions and alt texts) and
`results/<experiment>.json`. It never imports the engine or matplotlib, so it runs under any
Python-Markdown host. The assets step checks every reference of every page first, naming the file
and line; the errors raised here are the safety net when a page is rendered without that step
(MkDocs prefixes them with the page's file name).

Links are written docs-root-absolute (`/generated/...`); MkDocs with
`validation.links.absolute_links: relative_to_docs` validates them and rewrites them relative to
each page, so the site works from any sub-path.
"""

from __future__ import annotations

import difflib
import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from site_src.markdown.fences import scan

#: `{{ value: experiment.key.path | format }}`
VALUE_PATTERN = re.compile(r"\{\{\s*value\s*:\s*(?P<path>[^|}]*?)\s*(?:\|\s*(?P<spec>[^}]*?)\s*)?\}\}")
#: `{{ figure: name }}`, alone on its line.
FIGURE_LINE_PATTERN = re.compile(r"^\s*\{\{\s*figure\s*:\s*(?P<name>[^}]*?)\s*\}\}\s*$")
#: Any `{{ word:` directive, to report misspelt ones instead of leaving them in the page.
DIRECTIVE_PATTERN = re.compile(r"\{\{\s*(?P<kind>[A-Za-z_-]+)\s*:")
DIRECTIVES = ("value", "figure")

INDEX_FILE = "index.json"
RESULTS_FOLDER = "results"
FIGURES_FOLDER = "figures"


class ResultReferenceError(ValueError):
    """A `{{ value: }}` or `{{ figure: }}` reference is malformed or names something that does not
    exist; `line` is its page line when the message does not say it (0 otherwise)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Reference:
    """One reference in a page: `kind` is `value` or `figure`; `line` counts from 1."""

    kind: str
    line: int
    text: str
    target: str
    key_path: tuple[str | int, ...] = ()
    spec: str = ""


def parse_key_path(path: str) -> tuple[str, tuple[str | int, ...]]:
    """Split `experiment.key.0.name` into the experiment name and the key path (digits -> list indices)."""
    experiment, _, rest = path.partition(".")
    keys = tuple(int(part) if re.fullmatch(r"-?\d+", part) else part for part in rest.split(".")) if rest else ()
    return experiment, keys


def parse_references(lines: Sequence[str]) -> list[Reference]:
    """All references in `lines` (outside fenced code), in order; a malformed one raises with its line."""
    try:
        return references_in(scan("\n".join(lines)).prose)
    except ResultReferenceError as err:
        raise ResultReferenceError(f"line {err.line}: {err}") from err


def references_in(prose: Iterable[tuple[int, str]]) -> list[Reference]:
    """All references in the (page line, text) lines outside a page's fences (`ScannedPage.prose`),
    in order; a malformed one raises ResultReferenceError with its `line`."""
    references: list[Reference] = []
    for line_no, line in prose:
        for directive in DIRECTIVE_PATTERN.finditer(line):
            if directive["kind"] not in DIRECTIVES:
                raise ResultReferenceError(
                    f"unknown directive '{{{{ {directive['kind']}: ... }}}}' in {line.strip()!r}; "
                    f"valid directives: {', '.join(DIRECTIVES)}.", line_no
                )
        for match in VALUE_PATTERN.finditer(line):
            experiment, keys = parse_key_path(match["path"])
            if not experiment or not keys or "" in keys:
                raise ResultReferenceError(
                    f"{match[0]!r} needs 'experiment.key.path', e.g. "
                    "'{{ value: lr_sweep.best_learning_rate | .2g }}'.", line_no
                )
            references.append(Reference("value", line_no, match[0], experiment, keys, match["spec"] or ""))
        figure = FIGURE_LINE_PATTERN.match(line)
        if figure:
            references.append(Reference("figure", line_no, line.strip(), figure["name"]))
        elif re.search(r"\{\{\s*figure\s*:", line):
            raise ResultReferenceError(
                f"a '{{{{ figure: name }}}}' must stand alone on its line: {line.strip()!r}.", line_no
            )
    return references


def resolve_key_path(result: object, experiment: str, keys: Sequence[str | int]) -> object:
    """The value at `keys` inside `result`; a missing key raises, naming the valid keys at that level."""
    value = result
    for depth, key in enumerate(keys):
        where = ".".join(str(part) for part in (experiment, *keys[:depth])) or experiment
        if isinstance(value, dict):
            if key not in value:
                raise ResultReferenceError(
                    f"{where} has no key {key!r}{did_you_mean_nested(str(key), value)}; "
                    f"valid keys: {', '.join(sorted(map(str, value)))}."
                )
            value = value[key]
        elif isinstance(value, list):
            if not isinstance(key, int) or not -len(value) <= key < len(value):
                raise ResultReferenceError(
                    f"{where} is a list of {len(value)} items; use an index from 0 to {len(value) - 1} "
                    f"(or -1 for the last), not {key!r}."
                )
            value = value[key]
        else:
            raise ResultReferenceError(f"{where} is the value {value!r}; it has no key {key!r}.")
    return value


def format_value(value: object, spec: str, where: str) -> str:
    """Format one quoted value; `d` accepts integral floats (JSON does not keep int vs float)."""
    if isinstance(value, (dict, list)):
        kind = "keys: " + ", ".join(sorted(map(str, value))) if isinstance(value, dict) else f"{len(value)} items"
        raise ResultReferenceError(f"{where} is a {type(value).__name__} ({kind}); quote one of its entries instead.")
    if value is None:
        raise ResultReferenceError(f"{where} is null (no number: e.g. a diverged run); quote another entry.")
    if spec.endswith("d") and isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return format(value, spec)
    except (ValueError, TypeError) as err:
        if spec.endswith("d") and isinstance(value, float):
            fix = "'d' formats whole numbers only: use e.g. '.3g', '.2f' or '.1%' for this one"
        else:
            valid = [s for s in (".3g", ".2f", ".1%", "d") if _formats(value, s)]
            fix = f"use one that does, e.g. {' or '.join(repr(s) for s in valid)}" if valid else "quote a number"
        raise ResultReferenceError(f"{where}: format spec {spec!r} does not apply to {value!r} ({err}); {fix}.") from err


def _formats(value: object, spec: str) -> bool:
    try:
        format(value, spec)
    except (ValueError, TypeError):
        return False
    return True


def nested_key_paths(value: dict, prefix: str = "", depth: int = 3) -> Iterator[str]:
    """Dotted paths of the keys inside `value`, through nested dicts (not lists), `depth` levels."""
    for key, inner in value.items():
        path = f"{prefix}{key}"
        yield path
        if isinstance(inner, dict) and depth > 1:
            yield from nested_key_paths(inner, f"{path}.", depth - 1)


def did_you_mean_nested(name: str, value: dict) -> str:
    """did_you_mean for a missing key, also looking inside nested results: 'n_train' finds
    'config.n_train' (a key of the same name further down) before a merely similar name here, and
    'n_trian' finds it when nothing here is similar."""
    deeper = [path for path in nested_key_paths(value) if "." in path]
    same = [path for path in deeper if path.rsplit(".", 1)[1] == name]
    if same:
        return f" (did you mean {' or '.join(repr(path) for path in same[:2])}?)"
    here = did_you_mean(name, map(str, value))
    if here:
        return here
    by_last_key: dict[str, str] = {}
    for path in deeper:  # the shallowest path of each key name (nested_key_paths walks depth-first)
        last = path.rsplit(".", 1)[1]
        if last not in by_last_key or path.count(".") < by_last_key[last].count("."):
            by_last_key[last] = path
    close = difflib.get_close_matches(name, list(by_last_key), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(by_last_key[key]) for key in close)}?)" if close else ""


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest valid names, or '' when none is close."""
    close = difflib.get_close_matches(name, list(valid), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


class GeneratedAssets:
    """Read-only view of what the assets step wrote into `generated_dir` (loaded once per page)."""

    def __init__(self, generated_dir: Path) -> None:
        self.generated_dir = generated_dir
        self._index: dict | None = None
        self._results: dict[str, object] = {}

    @property
    def index(self) -> dict:
        if self._index is None:
            path = self.generated_dir / INDEX_FILE
            try:
                self._index = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError as err:
                raise ResultReferenceError(
                    f"{path.resolve()} is missing: run the experiment/figure step first (`python -m site_src.build`; "
                    "the MkDocs plugin `chapter` does it on every build), and run MkDocs from the "
                    "project folder (the extension's generated_dir is relative to the working directory)."
                ) from err
        return self._index

    def result(self, experiment: str) -> object:
        if experiment not in self._results:
            valid = self.index["experiments"]
            if experiment not in valid:
                raise ResultReferenceError(f"unknown experiment {experiment!r}; valid experiments: {', '.join(valid)}.")
            path = self.generated_dir / RESULTS_FOLDER / f"{experiment}.json"
            try:
                self._results[experiment] = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError as err:
                raise ResultReferenceError(
                    f"{path} is missing: the assets step ran only the experiments the pages used then; "
                    "rebuild so it sees this page."
                ) from err
        return self._results[experiment]

    def figure(self, name: str) -> dict:
        figures = self.index["figures"]
        if name not in figures:
            raise ResultReferenceError(
                f"unknown figure {name!r}; valid figures: {', '.join(self.index['all_figures']) or '(none)'}."
            )
        return figures[name]

    def quote(self, reference: Reference) -> str:
        """The formatted text of a `value` reference."""
        where = ".".join(str(part) for part in (reference.target, *reference.key_path))
        value = resolve_key_path(self.result(reference.target), reference.target, reference.key_path)
        return format_value(value, reference.spec, where)


class ResultsPreprocessor(Preprocessor):
    """Replaces values in place and sets figure lines apart as their own blocks, checking both."""

    def __init__(self, md: Markdown, assets: GeneratedAssets) -> None:
        super().__init__(md)
        self.assets = assets

    def run(self, lines: list[str]) -> list[str]:
        references = parse_references(lines)
        by_line: dict[int, list[Reference]] = {}
        for reference in references:
            by_line.setdefault(reference.line, []).append(reference)
        output: list[str] = []
        for index, line in enumerate(lines):
            refs = by_line.get(index + 1, [])
            if refs and refs[0].kind == "figure":
                _with_line(self.assets.figure, refs[0].target, line_no=index + 1, text=line)
                output.extend(["", line.rstrip(), ""])  # its own block; indentation kept for nesting
                continue
            quotes = iter([_with_line(self.assets.quote, ref, line_no=ref.line, text=line) for ref in refs])
            output.append(VALUE_PATTERN.sub(lambda _match: next(quotes), line) if refs else line)
        return output


def _with_line(function, *args, line_no: int | None = None, text: str = ""):
    """Call `function`, prefixing a ResultReferenceError with the line it concerns."""
    try:
        return function(*args)
    except ResultReferenceError as err:
        if line_no is None or str(err).startswith("line "):
            raise
        raise ResultReferenceError(f"line {line_no} ({text.strip()!r}): {err}") from err


class FigureBlockProcessor(BlockProcessor):
    """Turns a block holding only `{{ figure: name }}` into `<figure>`, `<img>`, `<figcaption>`."""

    def __init__(self, parser, assets: GeneratedAssets, generated_url: str) -> None:
        super().__init__(parser)
        self.assets = assets
        self.generated_url = generated_url.rstrip("/")
        self.figures_on_page = 0  # reset for each document (ResultsExtension.reset)

    def test(self, parent: etree.Element, block: str) -> bool:
        return FIGURE_LINE_PATTERN.match(block) is not None and "\n" not in block.strip()

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        name = FIGURE_LINE_PATTERN.match(blocks.pop(0))["name"]
        entry = self.assets.figure(name)
        figure = etree.SubElement(parent, "figure", {"class": "result-figure", "id": f"figure-{name}"})
        wide = f"{self.generated_url}/{entry['svg']}"
        # The picture is a link to the figure's file: a click, a tap or Enter opens it enlarged over
        # the page (js/figure-lightbox.js, fetched on that first click); without JavaScript the
        # browser opens the file itself, at its full size. The link's name is the image's alt text;
        # its title (a tooltip, and the description screen readers add) says what it does.
        link = etree.SubElement(figure, "a", {"class": "result-figure__enlarge", "href": wide, "title": "Enlarge the figure"})
        picture = etree.SubElement(link, "picture")
        if "narrow" in entry:
            # On a narrow screen the page takes the figure's narrow layout (its panels stacked);
            # its own size reserves the box, so nothing shifts when it arrives.
            narrow = entry["narrow"]
            etree.SubElement(picture, "source", {
                "media": f"(max-width: {narrow['below']}px)",
                "srcset": f"{self.generated_url}/{narrow['svg']}",  # made relative like the img (`NarrowSourcesBesideTheirImage`)
                "width": str(narrow["width"]),
                "height": str(narrow["height"]),
            })
        etree.SubElement(
            picture,
            "img",
            {
                "src": wide,
                "alt": entry["alt"],
                "width": str(entry["width"]),  # the box is reserved before the SVG arrives: nothing shifts
                "height": str(entry["height"]),
                "decoding": "async",
                # The first figure may be on screen when the page opens (and be its largest paint):
                # it loads at once; the browser fetches the others as the reader scrolls near them.
                **({"loading": "lazy"} if self.figures_on_page else {}),
            },
        )
        self.figures_on_page += 1
        caption = etree.SubElement(figure, "figcaption")
        caption.text = entry["caption"] + " "  # Markdown: the inline processors render it later
        link = etree.SubElement(
            caption,
            "a",
            {
                "class": "result-figure__data",
                "href": f"{self.generated_url}/{entry['data']}",
                "download": Path(entry["data"]).name,
            },
        )
        link.text = "Download the data (JSON)"
        figure.append(verify_placeholder(entry))
        return True


def verify_placeholder(entry: dict) -> etree.Element:
    """Where the "Rerun in your browser" control goes (js/verify-figure.js fills it on load).

    Empty without JavaScript (no button that cannot work). It names the experiment to rerun, its
    title (what the control calls it in words) and how long the build's rerun took; the data to compare with is the figure's download link.
    """
    attributes = {"class": "result-figure__verify", "data-experiment": entry["experiment"],
                  "data-title": entry.get("title") or entry["experiment"]}
    if entry.get("rerun_seconds"):
        attributes["data-seconds"] = str(entry["rerun_seconds"])
        attributes["data-timed-in"] = entry.get("rerun_timed_in", "")
    return etree.Element("div", attributes)


class NarrowSourcesBesideTheirImage(Treeprocessor):
    """Gives each figure's narrow `<source>` the address its `<img>` ended up with, in the same folder.

    MkDocs rewrites the docs-root-absolute `src` of an `<img>` (and an `<a>`'s `href`) relative to
    the page, so the site works from any sub-path, but not a `srcset`; this runs after it (a lower
    priority than MkDocs' "relpath", 0) and puts the narrow file's name in the img's folder.
    """

    def run(self, root: etree.Element) -> None:
        for picture in root.iter("picture"):
            image, source = picture.find("img"), picture.find("source")
            if image is None or source is None or "/" not in image.get("src", ""):
                continue
            folder = image.get("src").rsplit("/", 1)[0]
            source.set("srcset", f"{folder}/{source.get('srcset').rsplit('/', 1)[1]}")


class ResultsExtension(Extension):
    """Registers the preprocessor (values, checks) and the figure block processor."""

    def __init__(self, **kwargs) -> None:
        self.config = {
            "generated_dir": ["generated", "Folder the assets step writes to (relative to the working directory)."],
            "generated_url": ["/generated", "URL of that folder as written in pages (docs-root-absolute)."],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's API name)
        assets = GeneratedAssets(Path(self.getConfig("generated_dir")))
        md.preprocessors.register(ResultsPreprocessor(md, assets), "results", 35)
        self.figures = FigureBlockProcessor(md.parser, assets, self.getConfig("generated_url"))
        md.parser.blockprocessors.register(self.figures, "result_figure", 75)
        md.treeprocessors.register(NarrowSourcesBesideTheirImage(md), "result_figure_sources", -10)
        md.registerExtension(self)  # so that md.reset() calls self.reset() between documents

    def reset(self) -> None:
        """A new document: its first figure loads eagerly again."""
        self.figures.figures_on_page = 0


def makeExtension(**kwargs) -> ResultsExtension:  # noqa: N802 (Python-Markdown's entry point name)
    """Entry point used by Python-Markdown when the extension is named by its module path."""
    return ResultsExtension(**kwargs)
