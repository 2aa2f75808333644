"""The build before MkDocs reads the pages: pages -> experiments they use -> results, figures, live
cells' outputs, verified exercises, in `generated/` (beside `docs/`, outside what `mkdocs serve`
watches, so writing it does not trigger a second rebuild; the plugin adds its files to the site):

    index.json                 valid names; per figure: caption, alt text, files, size
    results/<experiment>.json  the result data (quoted in the text, downloadable beside figures)
    figures/<figure>.svg       the figures
    cells.json                 every live cell's output, keyed by its code after the code above it
    exercises.json             every page's exercises (the overview's progress table)
    exercise-programs.json     every exercise's check program, built once: verified here, run by the page (not served)

`Pipeline.run` scans the pages once, checks every name (all errors at once, with file and line),
then runs the steps (`site_src.build.step.Step`): the experiments (in Pyodide under Node for a
chapter, in CPython for a test site) while a second Pyodide runs the live cells, then the figures
while the first Pyodide verifies the exercises. Each step serves what it can from the content
cache (`site_src.build.cache`), so a Markdown-only edit reruns nothing; files are written only
when their bytes change. Under the preview, a `Deferral` names the page being edited: what other
pages alone need waits for a background build (`site_src.build.step.Deferral`). Runs on its own: `python -m site_src.build [--root DIR] [--all]`;
`--time-reruns NAME...` measures reruns into `rerun-seconds.json` instead (`scripts/time-reruns`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from site_src.build.backends import ProcessBackend, PyodideBackend, RegistryPair, default_workers
from site_src.build.cache import ContentCache
from site_src.build.cells import CellError, CellsStep
from site_src.build.exercises import (ExerciseError, ExercisesStep, check_programs, code_value_errors, nav_order, scan_exercises,
                                     write_index, write_programs)
from site_src.build.experiments import ExperimentsStep, cpython_identity, experiment_modules, library_versions, parsed
from site_src.build.figures import FiguresStep, item_name, layouts
from site_src.build.imports import EngineCode
from site_src.build.references import PageReference, name_errors, raise_if_any, scan_pages, value_errors
from site_src.build.registries import Registries, RegistryError
from site_src.build.rerun_seconds import time_reruns
from site_src.build.step import BuildContext, BuildError, BuildReport, Deferral, Step
from site_src.markdown.exercises import PROGRAMS_FILE
from site_src.markdown.fences import FenceKind, ScannedPage, fence_errors, fence_kinds
from site_src.markdown.progress import INDEX_FILE as EXERCISES_INDEX
from site_src.markdown.results import FIGURES_FOLDER, RESULTS_FOLDER
from site_src.project import Project
from site_src.runtime.node_host import PyodideHostError, runtime_identity, shared_host

#: Cache entries kept per kind beyond those the current build uses (a few engine versions' worth).
CACHE_SPARE_ENTRIES = 120


class Pipeline:
    """One build of a project's generated folder, with the registries it is given.

    With `workers > 1` and a picklable `registries_loader` (e.g. a `Registries`), figures (and, in
    CPython, experiments) the cache lacks are computed in that many processes.
    """

    def __init__(self, project: Project, experiments: Mapping[str, object], figures: Mapping[str, object], *,
                 result_json: Callable[[object], str], log: Callable[[str], None] = print, workers: int = 1,
                 registries_loader: Callable[[], RegistryPair] | None = None, extra_steps: Sequence[Step] = (),
                 fences: Sequence[FenceKind] | None = None) -> None:
        """`extra_steps` run after the figures (the plugin's notebook step); `fences`: the kinds of
        fence whose errors the build reports (default: site_src.markdown's, `fence_kinds`)."""
        self.project, self.experiments, self.figures, self.result_json = project, experiments, figures, result_json
        self.fences = fence_kinds() if fences is None else list(fences)
        self.log, self.workers, self.registries_loader = log, workers, registries_loader
        self.extra_steps = list(extra_steps)
        self.versions = library_versions()
        self.runtime = runtime_identity(project) if project.in_pyodide else cpython_identity(self.versions)

    def run(self, *, everything: bool = False, deferral: Deferral | None = None,
            interrupted: Callable[[], bool] | None = None) -> BuildReport:
        """Run the experiments the pages use (all with `everything`), their cells, exercises and
        figures; with a `deferral`, only the misses its pages need (the report lists the others);
        with `interrupted`, stop between two items when it says so (`step.Interrupted`)."""
        start = time.perf_counter()
        build = BuildContext(self.project, ContentCache(self.project.assets_cache_dir), self.runtime, self.log,
                             deferral=deferral, interrupted=interrupted)
        references, exercise_pages, code_references, errors = self._scanned_references(build.scans)
        if deferral is not None:
            deferral.needed_by = self._pages_needing(references + code_references, exercise_pages)
        figure_names = sorted((set(self.figures) if everything else
                               {r.reference.target for r in references if r.reference.kind == "figure"}) & set(self.figures))
        experiment_names = sorted((set(self.experiments if everything else ())
                                   | {r.reference.target for r in references if r.reference.kind == "value"}
                                   | {r.reference.target for r in code_references}
                                   | {self.figures[name].experiment for name in figure_names}) & set(self.experiments))
        engine = EngineCode(self.project.engine_dir, experiment_modules(self.experiments, self.project.engine_dir))
        processes = ProcessBackend((self.experiments, self.figures), self.result_json, workers=self.workers,
                                   loader=self.registries_loader)
        try:
            with ThreadPoolExecutor(max_workers=2) as beside:
                # The live cells need no results: a second Pyodide runs them while the first runs the
                # experiments. The exercises (they quote results) follow in the first, while this process
                # draws the figures. Each process is single-threaded; the machine has cores.
                in_pyodide = self.project.in_pyodide
                cells = beside.submit(self._cells, build, engine) if in_pyodide else None
                # Fetching the host swaps in an edited engine: here while the cells' Pyodide does in its thread.
                backend = PyodideBackend(shared_host(self.project), self.result_json, self.log) if in_pyodide else processes
                ExperimentsStep(self.experiments, experiment_names, backend, engine, self.result_json).run(build)
                # Every reference error of the build in one report: unknown names, and the keys and
                # formats of the known experiments' results.
                results = parsed(build.results)
                raise_if_any(errors + value_errors(references, results) + code_value_errors(
                    [(found.page, found.reference) for found in code_references], results))
                programs = check_programs(exercise_pages, results)
                exercises = (beside.submit(ExercisesStep(exercise_pages, programs, backend.host, engine.of_code).run, build)
                             if in_pyodide else None)
                FiguresStep(self.figures, figure_names, sorted(self.experiments), processes.figures, self.versions).run(build)
                for step in self.extra_steps:
                    step.run(build)
                _wait_for(cells, exercises)
            if write_index(exercise_pages, self.project.generated_dir, nav_order(self.project.docs_dir)):
                build.report.files_written.append(self.project.generated_dir / EXERCISES_INDEX)
            if write_programs(programs, self.project.generated_dir):
                build.report.files_written.append(self.project.generated_dir / PROGRAMS_FILE)
        except (PyodideHostError, CellError, ExerciseError) as err:
            raise BuildError(str(err)) from err
        finally:
            processes.close()
        self._prune(build, experiment_names, figure_names)
        build.report.wall_seconds["step"] = time.perf_counter() - start
        self.log(build.report.summary())
        return build.report

    def _scanned_references(self, scans: Mapping[str, ScannedPage]) -> tuple[list[PageReference], list, list[PageReference], list[str]]:
        """(the prose's value and figure references, the pages' exercises, the references in exercise
        code, every unknown name and malformed fence with its file and line) of the pages scanned once."""
        references = scan_pages(scans)
        exercise_pages, errors, prose, code = scan_exercises(scans)
        errors += fence_errors(scans, self.fences)
        references += [PageReference(page, reference) for page, reference in prose]
        code_references = [PageReference(page, reference) for page, reference in code]
        errors += name_errors(references + code_references, self.experiments, self.figures)
        return references, exercise_pages, code_references, errors

    def _pages_needing(self, references: list[PageReference], exercise_pages: list) -> dict[tuple[str, str], set[str]]:
        """(step kind, item name) -> the pages that show it: an experiment's quoted values, figures
        and exercise code; a figure's drawings; an exercise's verdict."""
        needed: dict[tuple[str, str], set[str]] = {}
        for found in references:
            target = found.reference.target
            if found.reference.kind == "figure" and target in self.figures:
                needed.setdefault(("experiment", self.figures[target].experiment), set()).add(found.page)
                for layout in layouts(self.figures[target]):
                    needed.setdefault(("figure", item_name(target, layout)), set()).add(found.page)
            elif found.reference.kind != "figure":
                needed.setdefault(("experiment", target), set()).add(found.page)
        for entry in exercise_pages:
            for exercise in entry.exercises:
                needed.setdefault(("exercise", exercise.id), set()).add(entry.page)
        return needed

    def _cells(self, build: BuildContext, engine: EngineCode) -> None:
        # The cells' own Pyodide, fetched here: an edited engine is swapped into it in this thread.
        host = shared_host(self.project, lane="cells")
        CellsStep(host, engine.of_code, cell_timeout=self.project.cell_timeout).run(build)

    def _prune(self, build: BuildContext, experiment_names: list[str], figure_names: list[str]) -> None:
        """Delete generated files no page uses any more (the site carries no stale data), and
        cache entries beyond those this build used and the newest spares."""
        wanted = {RESULTS_FOLDER: {f"{name}.json" for name in experiment_names},
                  FIGURES_FOLDER: {f"{item_name(name, layout)}.svg" for name in figure_names
                                   for layout in layouts(self.figures[name])}}
        for folder, names in wanted.items():
            for path in sorted((self.project.generated_dir / folder).glob("*")):
                if path.is_file() and path.name not in names:
                    path.unlink()
        for cache_kind in ("result", "figure", "cells", "exercise"):
            build.cache.prune(cache_kind, build.report.used_keys.get(cache_kind, set()), CACHE_SPARE_ENTRIES)


def _wait_for(*jobs: Future | None) -> None:
    for job in jobs:
        if job is not None:
            job.result()


def measure_reruns(project: Project, experiments: Mapping[str, object], names: list[str],
                   result_json: Callable[[object], str], log: Callable[[str], None] = print) -> dict[str, int]:
    """Time the reruns of `names` where the project computes them (the build's Pyodide, warmed up
    first as a reader's page is after its first run; CPython for a test site) and keep them in
    `rerun-seconds.json`: the only writer of that file (`scripts/time-reruns`)."""
    unknown = sorted(set(names) - set(experiments))
    if unknown:
        raise BuildError(f"time-reruns: unknown experiment(s) {', '.join(unknown)}; valid: {', '.join(sorted(experiments))}")
    if project.in_pyodide:
        host = shared_host(project)
        host.warm_up()
        measure = PyodideBackend(host, result_json, log).experiments
    else:
        measure = ProcessBackend((experiments, {}), result_json).experiments
    return time_reruns(project.rerun_seconds_file, names, experiments, measure, log)


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m site_src.build [--root DIR] [--all] [--time-reruns [NAME ...]]`."""
    parser = argparse.ArgumentParser(prog="python -m site_src.build", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=str, default=".", help="project folder (default: current)")
    parser.add_argument("--all", action="store_true", help="run every registered experiment and figure")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes for cache misses")
    parser.add_argument("--time-reruns", nargs="*", metavar="NAME",
                        help="measure these experiments' reruns (with --all: every one) into rerun-seconds.json; no build")
    args = parser.parse_args(argv)
    registries = Registries()  # the default engine's; a chapter with another builds through the plugin
    try:
        experiments, figures = registries()
        project = Project(Path(args.root).resolve(), figure_code_paths=registries.shared_figure_code)
        if args.time_reruns is not None:
            names = sorted(experiments) if args.all else args.time_reruns
            if not names:
                parser.error("--time-reruns needs experiment names, or --all")
            measure_reruns(project, experiments, names, registries.result_json)
            return 0
        Pipeline(project, experiments, figures, result_json=registries.result_json, workers=args.workers,
                 registries_loader=registries).run(everything=args.all)
    except (BuildError, RegistryError, PyodideHostError) as err:
        print(f"assets: error:\n{err}", file=sys.stderr)
        return 1
    return 0
