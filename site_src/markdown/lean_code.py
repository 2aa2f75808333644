"""Python-Markdown extension: highlighted code with fewer elements, drawn the same.

Pygments wraps every token in a ``<span>`` named after its type, and the browser styles and lays
out each one when the page loads (and again each time Material's palette script invalidates the
page's style). Three of those types draw exactly what their bare text draws: Material colours a
name (``.n``) and a keyword constant (``.kc``, ``True``) with ``--md-code-hl-name-color``, which is
the code's own colour (``var(--md-code-fg-color)``) in both of its schemes, and gives whitespace
(``.w``) no style at all. This postprocessor keeps their text and drops their span: on the worked
tuning session's page that is 250 of its 1,722 elements, on the search
strategies' 372 of 1,814 (issue 23).

``tests/browser/test_browser_page_load.py`` proves the pixels: every page's code drawn with
Pygments' own markup and with this one, in both schemes. A site whose CSS colours names otherwise
leaves this extension out of mkdocs.yml.
"""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

#: Pygments' token classes whose span draws what its text alone draws, under Material's CSS.
PLAIN_TOKEN_CLASSES = ("n", "kc", "w")
#: The code of a highlighted block or inline snippet (Pygments writes no nested <code>).
CODE = re.compile(r"(<code\b[^>]*>)(.*?)(</code>)", re.S)
PLAIN_TOKEN = re.compile(r'<span class="(?:%s)">([^<]*)</span>' % "|".join(PLAIN_TOKEN_CLASSES))


def lean_code(html: str) -> str:
    """The page's HTML with the plain tokens' spans of its code dropped, their text kept."""
    return CODE.sub(lambda match: match[1] + PLAIN_TOKEN.sub(r"\1", match[2]) + match[3], html)


class LeanCodePostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        return lean_code(text)


class LeanCodeExtension(Extension):
    """Registers the postprocessor after raw HTML (where the fences' highlighted code sits) is restored."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's API name)
        md.postprocessors.register(LeanCodePostprocessor(md), "lean_code", 6)


def makeExtension(**kwargs) -> LeanCodeExtension:  # noqa: N802 (Python-Markdown's entry point name)
    """Entry point used by Python-Markdown when the extension is named by its module path."""
    return LeanCodeExtension(**kwargs)
