// The Python modules every Pyodide of the chapter installs before any code runs: the reader's
// worker (worker.js, bundled by esbuild) and the build's Pyodide under Node (../node/host.mjs), one
// way for both, so a cell or an exercise's Check runs the same code at build time as in the page.
// The runner runs every cell; the checker is what a Check's program imports. Their module names are
// declared in ../protocol.json (python_modules); their sources are site_src/runtime/py/runner.py and
// exercise_check.py, which the caller reads (the worker has them bundled in as text, Node reads files).
import protocol from "../protocol.json" with { type: "json" };

/** {role: module name}: {runner: "livecells_runner", checker: "exercise_check"}. */
export const PYTHON_MODULES = protocol.python_modules;

/**
 * Write each module's source ({runner, checker}: text) where Python's import finds it (Pyodide's
 * home folder, the working directory) and import the runner; returns it (a PyProxy).
 */
export function installRunnerAndChecker(pyodide, sources) {
  for (const [role, name] of Object.entries(PYTHON_MODULES)) {
    if (typeof sources[role] !== "string") throw new Error(`installRunnerAndChecker: no source for the ${role} (${name}.py)`);
    pyodide.FS.writeFile(`/home/pyodide/${name}.py`, sources[role]);
  }
  return pyodide.pyimport(PYTHON_MODULES.runner);
}
