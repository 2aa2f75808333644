"""The cache of the experiment/figure step: pure keys, verified entries, recomputation counted."""

from __future__ import annotations

import dataclasses

import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from lesson.experiments import result_json
from site_src.build.experiments import cpython_identity, experiment_key, library_versions, registry_record
from site_src.build.figures import figure_key
from site_src.build.pipeline import Pipeline
from site_src.build.step import BuildError
from site_src.build.cache import ContentCache, cache_key, tree_hash, write_if_changed
from site_src.figures.registry import FigureSpec, build_registry
from site_src.project import Project

VERSIONS = {"python": "3.11", "machine": "x86_64", "numpy": "2.0.2", "matplotlib": "3.8.4"}


@dataclass(frozen=True)
class ToyConfig:
    rate: float = 0.1
    steps: int = 5


def test_cache_key_is_pure_and_order_independent():
    inputs = {"config": {"rate": 0.1}, "engine": "abc", "numpy": "2.0.2"}
    assert cache_key("result", inputs) == cache_key("result", dict(reversed(list(inputs.items()))))
    assert cache_key("result", inputs) == cache_key("result", json.loads(json.dumps(inputs)))


@pytest.mark.parametrize(
    "change",
    [
        {"config": {"rate": 0.2}},
        {"engine": "abd"},
        {"numpy": "2.0.3"},
        {"extra_setting": True},
    ],
)
def test_cache_key_changes_with_every_input(change):
    inputs = {"config": {"rate": 0.1}, "engine": "abc", "numpy": "2.0.2"}
    assert cache_key("result", inputs) != cache_key("result", {**inputs, **change})
    assert cache_key("result", inputs) != cache_key("figure", inputs)


def test_experiment_key_covers_config_engine_and_versions():
    base = experiment_key("toy", ToyConfig(), "engine-1", VERSIONS, result_json)
    assert base == experiment_key("toy", ToyConfig(), "engine-1", dict(VERSIONS), result_json)
    assert base != experiment_key("toy", ToyConfig(rate=0.2), "engine-1", VERSIONS, result_json)
    assert base != experiment_key("toy", ToyConfig(), "engine-2", VERSIONS, result_json)
    assert base != experiment_key("toy", ToyConfig(), "engine-1", {**VERSIONS, "numpy": "2.1.0"}, result_json)
    assert base != experiment_key("other", ToyConfig(), "engine-1", VERSIONS, result_json)


def test_an_edit_of_an_experiments_registry_entry_changes_its_key():
    # The registry's module is not engine code the experiment imports: its title (which the result
    # carries) reaches the key through the record, callables and types do not.
    from lesson.experiments import get_experiment
    experiment = get_experiment("bad_vs_good")
    record = registry_record(experiment)
    assert record["title"] == experiment.title and "compute" not in record and "config_type" not in record
    key = experiment_key("toy", ToyConfig(), "engine-1", VERSIONS, result_json, record)
    retitled = registry_record(dataclasses.replace(experiment, title=experiment.title + " (edited)"))
    assert key != experiment_key("toy", ToyConfig(), "engine-1", VERSIONS, result_json, retitled)
    assert key == experiment_key("toy", ToyConfig(), "engine-1", VERSIONS, result_json, dict(record))


def test_figure_key_covers_result_code_style_size_matplotlib_and_optimizer():
    spec = FigureSpec("fig", "toy", draw=lambda axes, r: None, caption=str, alt=str)
    style = {"font.size": 10}
    base = figure_key(spec, "result-1", "code-1", style, VERSIONS, "svgo-1")
    assert base == figure_key(spec, "result-1", "code-1", style, VERSIONS, "svgo-1")
    assert base != figure_key(spec, "result-2", "code-1", style, VERSIONS, "svgo-1")
    assert base != figure_key(spec, "result-1", "code-2", style, VERSIONS, "svgo-1")
    assert base != figure_key(spec, "result-1", "code-1", {"font.size": 11}, VERSIONS, "svgo-1")
    assert base != figure_key(spec, "result-1", "code-1", style, {**VERSIONS, "matplotlib": "3.9"}, "svgo-1")
    assert base != figure_key(spec, "result-1", "code-1", style, VERSIONS, "svgo-2")
    wider = FigureSpec("fig", "toy", draw=spec.draw, caption=str, alt=str, size=(8.0, 3.6))
    assert base != figure_key(wider, "result-1", "code-1", style, VERSIONS, "svgo-1")


def test_tree_hash_sees_edits_renames_and_new_files(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    first = tree_hash(tmp_path)
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0bytecode")
    assert tree_hash(tmp_path) == first, "bytecode must not change the engine hash"
    (tmp_path / "pkg" / "a.py").write_text("x = 2\n")
    edited = tree_hash(tmp_path)
    assert edited != first
    (tmp_path / "pkg" / "a.py").rename(tmp_path / "pkg" / "b.py")
    assert tree_hash(tmp_path) != edited
    (tmp_path / "pkg" / "c.py").write_text("")
    assert len({first, edited, tree_hash(tmp_path)}) == 3


def test_cache_serves_only_verified_entries(tmp_path):
    cache = ContentCache(tmp_path)
    assert cache.status("result", "ab" * 32) == "absent"
    cache.put("result", "ab" * 32, b'{"loss": 0.25}')
    assert cache.get("result", "ab" * 32) == b'{"loss": 0.25}'
    data_path = next(tmp_path.rglob("*.data"))
    data_path.write_bytes(b'{"loss": 0.26}')  # same size, other bytes
    assert cache.status("result", "ab" * 32) == "corrupt"
    assert cache.get("result", "ab" * 32) is None
    data_path.write_bytes(b'{"loss"')  # truncated
    assert cache.get("result", "ab" * 32) is None
    next(tmp_path.rglob("*.manifest.json")).unlink()  # payload without manifest: an interrupted put
    assert cache.status("result", "ab" * 32) == "partial"
    assert not list(tmp_path.rglob("*.part")), "atomic writes leave no temporary files"


def test_through_makes_an_entry_once_and_remakes_a_damaged_one(tmp_path):
    cache, made = ContentCache(tmp_path), []

    def make() -> bytes:
        made.append(1)
        return b"payload"

    assert cache.through("kind", "k", make) == (b"payload", False)
    assert cache.through("kind", "k", make) == (b"payload", True) and len(made) == 1
    next(tmp_path.rglob("*.data")).write_bytes(b"payloaD")  # same size, other bytes
    assert cache.through("kind", "k", make) == (b"payload", False) and len(made) == 2


def test_an_atomic_write_is_readable_by_a_web_server(tmp_path):
    # Written through mkstemp, whose file is private (0600): a host serving the site as another
    # user could not read the lab notebook's plots, written into the site this way.
    write_if_changed(tmp_path / "site" / "figure-1.png", b"png")
    assert (tmp_path / "site" / "figure-1.png").stat().st_mode & 0o777 == 0o644


def test_write_if_changed_leaves_identical_files_alone(tmp_path):
    target = tmp_path / "out" / "a.json"
    assert write_if_changed(target, b"1") is True
    mtime = target.stat().st_mtime_ns
    assert write_if_changed(target, b"1") is False
    assert target.stat().st_mtime_ns == mtime
    assert write_if_changed(target, b"2") is True and target.read_bytes() == b"2"


# --- the step itself, with counting fixture experiments ------------------------------------------

RUNS: Counter[str] = Counter()


@dataclass(frozen=True)
class CountingExperiment:
    name: str
    default_config: ToyConfig = ToyConfig()

    def run(self, config: ToyConfig) -> dict:
        RUNS[self.name] += 1
        losses = [round(1.0 / (1 + config.rate * step), 6) for step in range(config.steps)]
        return {"config": {"rate": config.rate, "steps": config.steps}, "loss": losses, "final": losses[-1]}


def draw_loss(axes, result):
    axes[0].plot(result["loss"])
    axes[0].set(xlabel="step", ylabel="loss (nats)")
    return axes


EXPERIMENTS = {name: CountingExperiment(name) for name in ("alpha", "beta", "gamma")}
FIGURES = build_registry(
    [FigureSpec("alpha_loss", "alpha", draw_loss, caption=lambda r: "Loss.", alt=lambda r: f"Ends at {r['final']}.")]
)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A tiny project: two pages using alpha (value + figure) and beta (value); gamma is unused."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "one.md").write_text("# One\n\nFinal: {{ value: alpha.final | .3f }}\n\n{{ figure: alpha_loss }}\n")
    (tmp_path / "docs" / "two.md").write_text("# Two\n\nSteps: {{ value: beta.config.steps | d }}\n")
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "core.py").write_text("STEP = 1\n")
    figure_code = tmp_path / "figures.py"
    figure_code.write_text("# figure code stand-in\n")
    RUNS.clear()
    return Project(tmp_path, engine="engine", generated_dir=tmp_path / "docs" / "generated",
                   figure_code_paths=(figure_code,), in_pyodide=False)


def run_step(settings: Project, lines: list[str] | None = None):
    return Pipeline(settings, EXPERIMENTS, FIGURES, result_json=result_json,
                     log=(lines.append if lines is not None else lambda _: None)).run()


def test_first_run_computes_only_what_pages_use(project):
    report = run_step(project)
    assert report.misses("experiment") == ["alpha", "beta"]
    assert report.misses("figure") == ["alpha_loss"]
    assert RUNS == Counter({"alpha": 1, "beta": 1})
    generated = project.generated_dir
    assert json.loads((generated / "results" / "alpha.json").read_text())["final"] == pytest.approx(1 / 1.4)
    svg = ElementTree.fromstring((generated / "figures" / "alpha_loss.svg").read_bytes())  # optimised: no XML prolog
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox")
    index = json.loads((generated / "index.json").read_text())
    assert index["experiments"] == ["alpha", "beta", "gamma"]
    assert index["figures"]["alpha_loss"]["data"] == "results/alpha.json"


def test_markdown_only_edit_reruns_nothing(project):
    run_step(project)
    page = project.docs_dir / "one.md"
    page.write_text(page.read_text() + "\nA new paragraph, and the same number again: {{ value: alpha.final }}\n")
    report = run_step(project)
    assert RUNS == Counter({"alpha": 1, "beta": 1}), "no experiment may run again"
    assert report.misses("experiment") == [] and report.misses("figure") == []
    assert report.hits("experiment") == ["alpha", "beta"]
    assert report.files_written == [], "unchanged outputs are not rewritten (mkdocs serve would loop)"


def test_engine_edit_reruns_every_experiment_that_depends_on_it(project):
    run_step(project)
    (project.engine_dir / "core.py").write_text("STEP = 1  # a comment is still an edit of the engine\n")
    report = run_step(project)
    assert RUNS == Counter({"alpha": 2, "beta": 2})
    assert report.misses("experiment") == ["alpha", "beta"]
    # the results' bytes did not change, so the figure drawn from them is still served from the cache
    assert report.misses("figure") == []


def test_figure_code_edit_redraws_figures_but_reruns_no_experiment(project):
    run_step(project)
    project.figure_code_paths[0].write_text("# figure code stand-in, edited\n")
    report = run_step(project)
    assert RUNS == Counter({"alpha": 1, "beta": 1})
    assert report.misses("figure") == ["alpha_loss"]


@pytest.mark.parametrize("damage", ["corrupt", "partial"])
def test_damaged_cache_entry_is_recomputed_not_served(project, damage):
    run_step(project)
    runtime = cpython_identity(library_versions())
    alpha_key = experiment_key("alpha", ToyConfig(), tree_hash(project.engine_dir), runtime, result_json,
                               registry_record(EXPERIMENTS["alpha"]))
    data_path = project.assets_cache_dir / "result" / alpha_key[:2] / f"{alpha_key}.data"
    if damage == "corrupt":
        data_path.write_bytes(data_path.read_bytes().replace(b"0.7", b"9.7"))
    else:
        data_path.with_name(f"{alpha_key}.manifest.json").unlink()
    lines: list[str] = []
    report = run_step(project, lines)
    assert report.misses("experiment") == ["alpha"]
    assert RUNS == Counter({"alpha": 2, "beta": 1})
    assert any("alpha" in line and f"{damage} entry replaced" in line for line in lines)
    assert json.loads((project.generated_dir / "results" / "alpha.json").read_text())["final"] == pytest.approx(1 / 1.4)
    assert run_step(project).misses("experiment") == [], "the recomputed entry is good again"


def test_progress_lines_and_summary(project):
    lines: list[str] = []
    run_step(project, lines)
    experiment_lines = [line for line in lines if line.startswith("assets: experiment")]
    assert len(experiment_lines) == 2 and all(line.rstrip().endswith(" s") for line in experiment_lines)
    assert "computed" in experiment_lines[0]
    assert lines[-1].startswith("assets: 2 experiments (0 cached, 2 computed")
    lines.clear()
    run_step(project, lines)
    assert lines[-1].startswith("assets: 2 experiments (2 cached, 0 computed") and "1 figures (1 cached" in lines[-1]


def test_unused_outputs_are_pruned(project):
    run_step(project)
    (project.docs_dir / "two.md").write_text("# Two\n\nNo numbers any more.\n")
    run_step(project)
    assert not (project.generated_dir / "results" / "beta.json").exists()
    assert (project.generated_dir / "results" / "alpha.json").exists()


def test_command_line_reports_errors_with_exit_status(tmp_path, capsys, monkeypatch):
    from site_src.build import pipeline
    from site_src.build.registries import Registries, RegistryError

    def broken_registries(self):
        raise RegistryError("cannot import lesson.experiments (test)")

    monkeypatch.setattr(Registries, "__call__", broken_registries)
    assert pipeline.main(["--root", str(tmp_path)]) == 1
    assert "cannot import lesson.experiments (test)" in capsys.readouterr().err


def counting_registries():
    """The registries above, importable by a worker process (`registries_loader`)."""
    return EXPERIMENTS, FIGURES


def test_parallel_workers_give_the_same_bytes_as_one_process(project, tmp_path):
    serial = run_step(project)
    serial_files = {path.name: path.read_bytes() for path in serial.files_written}
    parallel_settings = Project(project.root, engine=project.engine, generated_dir=tmp_path / "parallel-generated",
                                cache_dir=tmp_path / "parallel-cache", figure_code_paths=project.figure_code_paths,
                                in_pyodide=False)
    step = Pipeline(parallel_settings, EXPERIMENTS, FIGURES, result_json=result_json, log=lambda _: None, workers=2,
                     registries_loader=counting_registries)
    parallel = step.run()
    assert parallel.misses("experiment") == ["alpha", "beta"]
    assert RUNS == Counter({"alpha": 1, "beta": 1}), "the misses ran in the workers, not here"
    assert {path.name: path.read_bytes() for path in parallel.files_written} == serial_files


def test_config_that_is_not_plain_data_is_refused_naming_the_experiment():
    @dataclass(frozen=True)
    class OddConfig:
        rate: object = object()

    with pytest.raises(BuildError, match=r"experiment 'odd': its default_config .* is not plain data"):
        experiment_key("odd", OddConfig(), "engine", VERSIONS, result_json)


def test_prune_keeps_used_entries_and_the_newest_spares(tmp_path):
    import os

    cache = ContentCache(tmp_path)
    keys = [f"{index:02d}" + "0" * 62 for index in range(5)]
    for age, key in enumerate(keys):
        cache.put("result", key, key.encode())
        for path in (tmp_path / "result" / key[:2]).iterdir():
            os.utime(path, (1_000_000 - age, 1_000_000 - age))  # keys[0] newest, keys[4] oldest
    deleted = cache.prune("result", keep={keys[4]}, spare=2)
    assert sorted(deleted) == [keys[2], keys[3]]
    assert [cache.status("result", key) for key in keys] == ["hit", "hit", "absent", "absent", "hit"]


def test_the_step_prunes_entries_of_old_engine_versions(project, monkeypatch):
    from site_src.build import pipeline

    monkeypatch.setattr(pipeline, "CACHE_SPARE_ENTRIES", 0)
    run_step(project)
    (project.engine_dir / "core.py").write_text("STEP = 2\n")
    run_step(project)
    assert len(list((project.assets_cache_dir / "result").glob("*/*.data"))) == 2, "only the current engine's results remain"


def test_every_reference_error_is_reported_at_once_with_a_close_name(project):
    page = project.docs_dir / "three.md"
    page.write_text("# Three\n\n{{ figure: alpha_los }}\n\nA {{ value: alpah.final }} and {{ value: beta.fnial }}.\n"
                    "And {{ value: alpha.final | d }}.\n")
    with pytest.raises(BuildError) as caught:
        run_step(project)
    lines = str(caught.value).splitlines()
    assert len(lines) == 4, lines  # one report: the figure, the experiment, the key and the format
    assert lines[0].startswith("docs/three.md:3: unknown figure 'alpha_los' (did you mean 'alpha_loss'?)")
    assert lines[1].startswith("docs/three.md:5: unknown experiment 'alpah' (did you mean 'alpha'?)")
    assert "docs/three.md:5:" in lines[2] and "has no key 'fnial' (did you mean 'final'?)" in lines[2]
    assert "docs/three.md:6:" in lines[3] and "'d' formats whole numbers only" in lines[3]


def test_experiment_key_covers_the_published_format():
    runtime = {"pyodide": "0.27.7"}
    before = experiment_key("alpha", ToyConfig(), "engine", runtime, result_json)

    def other_format(result):  # a different format: every cached result's bytes would change
        return json.dumps(result, indent=2) + "\n"

    assert experiment_key("alpha", ToyConfig(), "engine", runtime, other_format) != before


REIMPORTS = """
import sys
from pathlib import Path
from site_src.build.registries import Registries

registries = Registries("lesson")
first = registries()
print(registries()[0] is first[0])        # nothing changed: the modules imported before
module = Path(sys.argv[1]) / "lesson" / "experiments" / "basics.py"
module.write_text(module.read_text() + "\\n# an edit\\n")
print(registries()[0] is first[0])        # an engine file changed: imported afresh
"""


def test_the_chapter_registries_are_imported_again_only_after_an_edit(tmp_path):
    # In a process of its own, on a copy of the engine: a re-import here would leave this test
    # session with two generations of the engine's classes.
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "lesson", tmp_path / "lesson", ignore=shutil.ignore_patterns("__pycache__"))
    completed = subprocess.run([sys.executable, "-c", REIMPORTS, str(tmp_path)], capture_output=True, text=True,
                               env={"PYTHONPATH": f"{tmp_path}:{root}", "PATH": ""}, cwd=tmp_path, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["True", "False"]


def test_a_build_scans_each_page_once(project, monkeypatch):
    """The references, the exercises, the progress table and the live cells all come from one scan
    of each page (`BuildContext.scans`), not one per kind of fence."""
    (project.docs_dir / "two.md").write_text("# Two\n\n```python-live\nprint(1)\n```\n\nSteps: {{ value: beta.config.steps | d }}\n")
    import site_src.build.step as step

    scanned = Counter()
    real_scan = step.scan

    def counting_scan(markdown: str, page: str = ""):
        scanned[page] += 1
        return real_scan(markdown, page)

    monkeypatch.setattr(step, "scan", counting_scan)
    run_step(project)
    assert scanned == Counter({"docs/one.md": 1, "docs/two.md": 1})
