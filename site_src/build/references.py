"""The `{{ value: }}` and `{{ figure: }}` references of the pages, and the errors in them: each with
`docs/page.md:LINE`, a close name and the valid names, all reported at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from site_src.build.figures import source_of
from site_src.build.step import BuildError
from site_src.markdown.fences import ScannedPage
from site_src.markdown.results import (
    Reference,
    ResultReferenceError,
    did_you_mean,
    format_value,
    references_in,
    resolve_key_path,
)


@dataclass(frozen=True)
class PageReference:
    """A reference together with the page it is on (`docs/<path>`, as an author finds it)."""

    page: str
    reference: Reference

    def where(self) -> str:
        return f"{self.page}:{self.reference.line}"


def scan_pages(scans: Mapping[str, ScannedPage]) -> list[PageReference]:
    """Every `{{ value: }}` / `{{ figure: }}` reference of every Markdown page (``docs/<path>`` -> the
    page scanned once), in path order."""
    found: list[PageReference] = []
    errors: list[str] = []
    for page, scanned in scans.items():
        try:
            references = references_in(scanned.prose)
        except ResultReferenceError as err:
            errors.append(f"{page}:{err.line}: {err}")
            continue
        found.extend(PageReference(page, reference) for reference in references)
    raise_if_any(errors)
    return found


def name_errors(
    references: Iterable[PageReference], experiments: Mapping[str, object], figures: Mapping[str, object]
) -> list[str]:
    """Every unknown experiment or figure, with its file, line, a close name and the valid names."""
    errors = []
    for found in references:
        reference = found.reference
        known = {"value": experiments, "figure": figures}[reference.kind]
        if reference.target not in known:
            what = "experiment" if reference.kind == "value" else "figure"
            errors.append(
                f"{found.where()}: unknown {what} {reference.target!r}{did_you_mean(reference.target, known)} in "
                f"{reference.text!r}; valid {what}s: {', '.join(sorted(known)) or '(none)'}."
            )
    for name, spec in sorted(figures.items()):
        if spec.experiment not in experiments:
            errors.append(
                f"figure {name!r} (drawn by {source_of(spec.draw)}) draws unknown experiment "
                f"{spec.experiment!r}; valid experiments: {', '.join(sorted(experiments)) or '(none)'}."
            )
    return errors


def value_errors(references: Iterable[PageReference], results: Mapping[str, dict]) -> list[str]:
    """Every quoted key that does not exist or cannot be formatted, with its file and line (values
    of experiments that are not in `results`, i.e. unknown ones, are reported by name_errors)."""
    errors = []
    for found in references:
        reference = found.reference
        if reference.kind != "value" or reference.target not in results:
            continue
        where = ".".join(str(part) for part in (reference.target, *reference.key_path))
        try:
            value = resolve_key_path(results[reference.target], reference.target, reference.key_path)
            format_value(value, reference.spec, where)
        except ResultReferenceError as err:
            errors.append(f"{found.where()}: {reference.text!r}: {err}")
    return errors


def raise_if_any(errors: list[str]) -> None:
    """One error for all the authoring errors found, one per line (an author fixes them in one go)."""
    if errors:
        raise BuildError("\n".join(errors))
