"""Python-Markdown extension: math typeset at build time by KaTeX, so pages ship no math JavaScript.

`pymdownx.arithmatex` (``generic: true``) marks formulas as ``<span class="arithmatex">\\(...\\)</span>``
and ``<div class="arithmatex">\\[...\\]</div>``; this extension replaces the TeX inside those
elements by KaTeX's HTML + MathML (KaTeX from npm, run by Node: ``site_src/node/katex_render.mjs``,
kept running by ``site_src.node.process``; one request per page). The HTML is what the eye sees (it needs ``katex.min.css`` and its
fonts; the theme override ``site_src/theme/overrides/main.html`` links them on pages with math
only), the MathML is what screen readers read and what copy/paste carries, with the TeX source as
its annotation. Dark mode needs nothing: KaTeX's HTML takes the text colour of the page.

Use it after ``pymdownx.arithmatex`` in the extension list (``site_src.markdown.math``); it runs
under any Python-Markdown host (MkDocs, Zensical). TeX that KaTeX cannot parse fails the build,
naming the formula and KaTeX's message.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

from site_src.node.process import run_helper

RENDERER = Path(__file__).resolve().parents[1] / "node" / "katex_render.mjs"
#: What arithmatex's generic mode writes: the wrapping element, then \( \) inline or \[ \] display.
ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[(\[])(?P<tex>.*?)\\[)\]]\s*</(?P=tag)>', re.S
)
#: Inline formulas whose drawn characters say all there is (a lone symbol, a relation, a number:
#: ``\\beta``, ``\\eta =``, ``\\beta = 0.9``): screen readers read KaTeX's HTML itself, so they
#: carry no MathML. On the optimizers page these are 56 of 78 formulas and 377 of its 3,852
#: elements, each of which the browser styles and lays out at load (issue 23).
PLAIN_TEXT_TEX = re.compile(
    r"\s*(?=\S)(\\(alpha|beta|gamma|delta|epsilon|eta|lambda|mu|sigma|theta)\b|[A-Za-z])?"
    r"\s*(=|\\approx|<|>)?\s*(-?[0-9][0-9.,]*)?\s*"
)
KATEX_MATHML = re.compile(r'<span class="katex-mathml">.*?</math></span>', re.S)
#: Rendered formulas, by (TeX, display mode): KaTeX is deterministic, and `mkdocs serve` rebuilds often.
_RENDERED: dict[tuple[str, bool], str] = {}


class MathRenderError(ValueError):
    """KaTeX could not render a formula, or Node/KaTeX is missing."""


def render_formulas(formulas: list[tuple[str, bool]], node: str = "node") -> list[str]:
    """KaTeX HTML + MathML of each (TeX, display) pair, in order; errors name every bad formula."""
    missing = sorted({formula for formula in formulas if formula not in _RENDERED})
    if missing:
        request = [{"tex": tex, "display": display} for tex, display in missing]
        replies = run_helper(RENDERER, "render", request, package="KaTeX", error=MathRenderError, node=node)
        errors = [f"  {_shown(tex, display)}: {reply['error']}" for (tex, display), reply in zip(missing, replies) if "error" in reply]
        if errors:
            raise MathRenderError("KaTeX cannot render these formulas; fix their TeX:\n" + "\n".join(errors))
        _RENDERED.update({formula: _lighter(formula, reply["html"]) for formula, reply in zip(missing, replies)})
    return [_RENDERED[formula] for formula in formulas]


def _lighter(formula: tuple[str, bool], rendered: str) -> str:
    """A plain-text formula without its MathML, its drawing read aloud instead: the same pixels
    (the MathML is clipped to nothing), fewer elements; every other formula as KaTeX wrote it."""
    tex, display = formula
    if display or not PLAIN_TEXT_TEX.fullmatch(tex):
        return rendered
    return KATEX_MATHML.sub("", rendered, count=1).replace('<span class="katex-html" aria-hidden="true">', '<span class="katex-html">', 1)


def _shown(tex: str, display: bool) -> str:
    return f"$${tex}$$" if display else f"${tex}$"


class KatexPostprocessor(Postprocessor):
    """Replaces the TeX in arithmatex's elements by KaTeX's output, all formulas of a page at once."""

    def __init__(self, md: Markdown, node: str) -> None:
        super().__init__(md)
        self.node = node

    def run(self, text: str) -> str:
        matches = list(ARITHMATEX.finditer(text))
        if not matches:
            return text
        # The serialiser escaped the TeX for HTML (`<` as `&lt;`); KaTeX wants it as typed.
        formulas = [(html.unescape(match["tex"]).strip(), match["open"] == "[") for match in matches]
        rendered = iter(render_formulas(formulas, self.node))
        return ARITHMATEX.sub(lambda match: f'<{match["tag"]} class="arithmatex">{next(rendered)}</{match["tag"]}>', text)


class KatexExtension(Extension):
    """Registers the postprocessor last, after raw HTML (where arithmatex's output may sit) is restored."""

    def __init__(self, **kwargs) -> None:
        self.config = {"node": ["node", "The Node.js executable that runs KaTeX."]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's API name)
        md.postprocessors.register(KatexPostprocessor(md, self.getConfig("node")), "katex", 5)


def makeExtension(**kwargs) -> KatexExtension:  # noqa: N802 (Python-Markdown's entry point name)
    """Entry point used by Python-Markdown when the extension is named by its module path."""
    return KatexExtension(**kwargs)
