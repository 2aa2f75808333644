"""The ``exercise-progress`` fence: the reader's progress on every page's exercises, as a table.

Authoring syntax (empty, no options, on the overview page ``docs/index.md``: its links are written
relative to the site root)::

    ```exercise-progress
    ```

One row per page with exercises, in the order of mkdocs.yml's nav, from ``generated/exercises.json``
(the exercises build step, ``site_src/build/exercises.py``, writes it; the exercises extension,
``site_src.markdown.exercises``, hands this fence the generated folder). The page script fills in
how many the reader solved (stored in the browser) and wires the reset.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from markdown import Markdown
from pymdownx.superfences import SuperFencesException

from site_src.markdown.fences import Fence, FenceError, FenceKind

FENCE_NAME = "exercise-progress"
#: Where the build lists every page's exercises (read by this fence).
INDEX_FILE = "exercises.json"


class ExerciseIndex:
    """The list of every page's exercises the build wrote (``generated/exercises.json``)."""

    def __init__(self, generated_dir: Path) -> None:
        self.path = generated_dir / INDEX_FILE

    def pages(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise SuperFencesException(f"{self.path} is missing: the build step that verifies the exercises writes it (`python -m site_src.build`)") from err


class ProgressFence(FenceKind[None]):
    """The ``exercise-progress`` fence: it has nothing to say but where it stands."""

    name = FENCE_NAME
    html_class = "exercise-progress"

    def parse(self, fence: Fence) -> None:
        """Checks the fence is empty and, when its page is known, that it is the overview page."""
        if fence.options or fence.leftover.strip():
            found = ", ".join(fence.options) or fence.leftover.strip()
            raise FenceError(f"it takes no options (it has {found}): write the fence line as ```{FENCE_NAME} alone")
        docs, _, path = fence.page.partition("/")
        if fence.page and path != "index.md":
            raise FenceError(f"it belongs on {docs}/index.md (its links are relative to the site root); move it there")

    def render(self, spec: None, md: Markdown, class_name: str) -> str:
        """One row per page with exercises, and the reset.

        The reset button and its status line are in the page from the start, like the page's summary
        line (``exercises.summary_html``), so that the text under the table does not move when the
        script runs."""
        index = getattr(md, "exercise_index", None)
        if index is None:
            raise SuperFencesException(f"```{FENCE_NAME} fence: the exercises extension (site_src.markdown.exercises) is not configured")
        rows = []
        for entry in index.pages().values():
            ids = html.escape(json.dumps([exercise["id"] for exercise in entry["exercises"]]), quote=True)
            count = len(entry["exercises"])
            rows.append(
                f'<tr><td><a href="{html.escape(entry["url"])}">{html.escape(entry["title"])}</a></td>'
                f'<td class="exercise-progress__count" data-exercise-ids="{ids}">{count} exercise{"s" if count != 1 else ""}</td></tr>')
        return (
            f'<div class="{html.escape(class_name)}"><table><thead><tr><th scope="col">Page</th>'
            f'<th scope="col">Your exercises</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'<p class="exercise-progress__note">Your progress is kept in this browser only.</p>'
            f'<button type="button" class="md-button exercise-progress__reset" data-search-exclude>Reset all my exercise progress</button>'
            f'<p class="exercise-progress__status" role="status" aria-live="polite"></p></div>'
        )


PROGRESS = ProgressFence()
