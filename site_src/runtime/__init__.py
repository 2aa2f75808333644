"""The browser runtime (Pyodide mirror, engine wheel, worker and page scripts) and the build's own
Pyodide under Node. The Python modules both install beside the runner live in `py/`; both install
them through `js/python-modules.mjs`, and speak the messages `protocol.json` declares (`protocol`)."""

from pathlib import Path

#: The exercise checker: a module beside the runner in the reader's worker and in the build's
#: Pyodide (what a Check's program imports by its name, protocol.json's python_modules.checker).
CHECKER = Path(__file__).parent / "py" / "exercise_check.py"
#: The one JS module that installs the runner and the checker, in the page's worker and the build's host.
PYTHON_MODULES_SCRIPT = Path(__file__).parent / "js" / "python-modules.mjs"
