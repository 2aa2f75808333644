"""Put the browser runtime into the built site: verified Pyodide, the lesson wheel, the JS bundles.

Layout written under ``<site>/runtime/``:

* ``livecells.js`` (+ ``chunk-*.js``): the page script (ES module); ``runtime.css``: the cells'
  and the playground's styles in one minified stylesheet;
  ``editor.js``: the CodeMirror editor, fetched only when a reader focuses, edits or runs a cell;
  every bundle minified, with a linked source map (``*.js.map``, fetched by developer tools only);
* ``worker.js``: the Web Worker, with ``py/runner.py`` bundled in as text and the download size of
  every shipped package (for its progress lines; kept out of the page script, which every page with
  a cell loads before any Run: shipping more packages adds nothing to a page's weight);
* ``pyodide/`` (``pyodide: self``, the default): the verified mirror, the lesson wheel and the lock
  (official entries of the shipped packages + lesson);
* with ``pyodide: cdn``: only the lesson wheel and the lock (official + lesson) next to the
  bundles; Pyodide and its packages come from the jsDelivr CDN, pinned to the same version.

Settings come from mkdocs.yml ``extra: live_cells:`` (see `LiveCellsSettings`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, fields
from pathlib import Path

from site_src.cache import PARTIAL_SUFFIX, cache_key, tree_hash
from site_src.runtime.lesson_wheel import DIST_NAME, build_lesson_wheel, write_lock_with_lesson
from site_src.runtime.mirror import PYODIDE_VERSION, MirrorPaths, assemble_mirror, load_official_lock, mirror_sizes

CDN_INDEX_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
HERE = Path(__file__).parent
#: Packages loaded with Python itself: the engine needs numpy; matplotlib and scikit-learn wait
#: for a cell that imports them.
PRELOAD = ("numpy", DIST_NAME)
#: What of the runtime's config only the worker needs (baked into worker.js, not the page script).
WORKER_ONLY = ("sizes", "shipped")


class RuntimeSettingsError(ValueError):
    """mkdocs.yml `extra: live_cells:` holds an unknown key or an invalid value."""


@dataclass(frozen=True)
class LiveCellsSettings:
    """mkdocs.yml ``extra: live_cells:`` (every key optional).

    pyodide: "self" (serve the verified mirror from the site) or "cdn" (jsDelivr, same version).
    load: "run" (Python downloads on the first Run), "intent" (when the pointer comes over a cell
    or the focus into it) or "visible" (as soon as a cell is on screen).
    timeout: default time limit of a run in seconds (a cell's `timeout` option overrides it).
    """

    pyodide: str = "self"
    load: str = "run"
    timeout: float = 30.0

    @classmethod
    def from_extra(cls, extra: dict, source: str = "mkdocs.yml") -> LiveCellsSettings:
        """Validate `extra["live_cells"]`; errors name `source`, the key and the valid values."""
        raw = dict(extra.get("live_cells") or {})
        valid = {field.name for field in fields(cls)}
        unknown = sorted(set(raw) - valid)
        if unknown:
            raise RuntimeSettingsError(f"{source}: extra.live_cells has unknown key(s) {unknown}; valid keys: {sorted(valid)}")
        settings = cls(**raw)
        choices = {"pyodide": ("self", "cdn"), "load": ("run", "intent", "visible")}
        for name, allowed in choices.items():
            if getattr(settings, name) not in allowed:
                raise RuntimeSettingsError(f"{source}: extra.live_cells.{name} is {getattr(settings, name)!r}; use one of {list(allowed)}")
        if not isinstance(settings.timeout, (int, float)) or settings.timeout <= 0:
            raise RuntimeSettingsError(f"{source}: extra.live_cells.timeout must be a positive number of seconds, not {settings.timeout!r}")
        return settings


@dataclass(frozen=True)
class ProjectPaths:
    """Where the runtime's inputs live, relative to the project root."""

    root: Path

    @property
    def lesson(self) -> Path:
        return self.root / "lesson"

    @property
    def node_modules(self) -> Path:
        return self.root / "node_modules"

    @property
    def mirror(self) -> MirrorPaths:
        return MirrorPaths(npm_pyodide=self.node_modules / "pyodide", cache_dir=self.root / ".cache")


def sri_sha384(path: Path) -> str:
    """Subresource-integrity value of a file."""
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def _sync_file(source: Path, target: Path) -> None:
    # Copy only what changed: `mkdocs serve` rebuilds often and the mirror is 52 MB.
    if target.is_file() and target.stat().st_size == source.stat().st_size and target.read_bytes() == source.read_bytes():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _stage_packages(paths: ProjectPaths, settings: LiveCellsSettings, runtime_dir: Path) -> dict:
    """Write the wheel(s), the lock and (self mode) the mirror; return the bundle's config."""
    mirror = assemble_mirror(paths.mirror)
    lock_dir = runtime_dir / "pyodide" if settings.pyodide == "self" else runtime_dir
    if settings.pyodide == "self":
        for source in sorted(mirror.iterdir()):
            if source.name != "pyodide-lock.json" and not source.name.endswith(PARTIAL_SUFFIX):
                _sync_file(source, lock_dir / source.name)
        base_lock = mirror / "pyodide-lock.json"  # trimmed to what is shipped
        index_url = "pyodide/"
    else:
        base_lock = paths.mirror.npm_pyodide / "pyodide-lock.json"  # the CDN serves every package
        index_url = CDN_INDEX_URL
    wheel = build_lesson_wheel(paths.lesson, lock_dir)
    lock = write_lock_with_lesson(base_lock, wheel, lock_dir / "pyodide-lock.json")
    sizes = mirror_sizes(mirror, load_official_lock(paths.mirror.npm_pyodide))
    sizes["packages"][DIST_NAME] = wheel.stat().st_size
    return {
        "version": PYODIDE_VERSION,
        "indexURL": index_url,
        "lockURL": (lock_dir / "pyodide-lock.json").relative_to(runtime_dir).as_posix(),
        "pyodideIntegrity": sri_sha384(mirror / "pyodide.js"),
        "sitePackages": [DIST_NAME],
        "preload": list(PRELOAD),
        "sizes": sizes,
        "timeout": settings.timeout,
        "load": settings.load,
        "shipped": sorted(lock["packages"]),
    }


def lesson_wheel_folder(settings: LiveCellsSettings) -> str:
    """Where the site serves the lesson wheel, relative to the site root (as `_stage_packages` writes it)."""
    return "runtime/pyodide/" if settings.pyodide == "self" else "runtime/"


def _esbuild(paths: ProjectPaths, arguments: list[str]) -> None:
    binary = paths.node_modules / ".bin" / "esbuild"
    if not binary.exists():
        raise RuntimeSettingsError(f"{binary}: missing; run scripts/setup (npm ci installs esbuild from package-lock.json)")
    try:
        subprocess.run([str(binary), *arguments], check=True, capture_output=True, text=True, cwd=paths.root)
    except subprocess.CalledProcessError as err:
        raise RuntimeSettingsError(f"esbuild failed bundling site_src/runtime/js: {err.stderr.strip()}") from err


#: esbuild's outputs by a key over its inputs: `mkdocs serve` rebuilds skip esbuild (0.2 s) when
#: neither the runtime's sources nor the baked-in settings changed.
BUNDLE_CACHE = Path(".cache") / "runtime-bundles"
#: Bundles kept in the cache (the newest): enough to switch between branches without re-bundling.
BUNDLES_KEPT = 8


def bundle_scripts(paths: ProjectPaths, config: dict, runtime_dir: Path) -> None:
    """Bundle the page script, the editor (ES modules, shared code in chunks) and the worker
    (classic script), or take the bundles made from the same inputs from the cache."""
    from lesson.playground import page_spec  # the engine of this build (serve re-imports an edited one)

    # The playground's controls, choices and defaults, defined once in lesson/playground.py.
    page_config = {name: value for name, value in config.items() if name not in WORKER_ONLY}
    defines = {"LIVE_CELLS_CONFIG": page_config, "PLAYGROUND_SPEC": page_spec(),
               "DOWNLOAD_SIZES": config.get("sizes", {"core": 0, "packages": {}})}
    key = cache_key("runtime-bundle", {"sources": tree_hash(HERE, ("js/*.js", "css/*.css", "py/*.py")),
                                       "defines": defines, "esbuild": _esbuild_version(paths)})
    bundle = paths.root / BUNDLE_CACHE / key
    if bundle.is_dir():
        os.utime(bundle)  # recently used: kept by the pruning below
    else:
        _run_esbuild(paths, defines, bundle)
    for old in (*runtime_dir.glob("chunk-*.js"), *runtime_dir.glob("chunk-*.js.map")):
        old.unlink()
    for output in sorted(bundle.iterdir()):
        shutil.copyfile(output, runtime_dir / output.name)
    for stale in sorted(bundle.parent.iterdir(), key=lambda entry: entry.stat().st_mtime)[:-BUNDLES_KEPT]:
        shutil.rmtree(stale, ignore_errors=True)


def _run_esbuild(paths: ProjectPaths, defines: dict, bundle: Path) -> None:
    """esbuild into a fresh folder, renamed to `bundle` when complete (an interrupted run leaves no entry)."""
    building = bundle.with_name(bundle.name + PARTIAL_SUFFIX)
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    define = {name: f"--define:{name}={json.dumps(value, sort_keys=True)}" for name, value in defines.items()}
    page_define = [define[name] for name in ("LIVE_CELLS_CONFIG", "PLAYGROUND_SPEC")]
    common = ["--bundle", "--minify", "--sourcemap=linked", "--target=es2020", "--legal-comments=eof", "--log-level=warning"]
    js = HERE / "js"
    # editor.js is an entry point of its own, so the file a reader's first edit fetches has a stable name.
    entries = [str(js / "livecells.js"), str(js / "editor.js")]
    _esbuild(paths, [*entries, *common, "--format=esm", "--splitting", *page_define, f"--outdir={building}", "--chunk-names=chunk-[hash]"])
    _esbuild(paths, [str(js / "worker.js"), *common, "--format=iife", "--loader:.py=text", define["DOWNLOAD_SIZES"],
                     f"--outfile={building / 'worker.js'}"])
    _esbuild(paths, [str(HERE / "css" / "runtime.css"), "--bundle", "--minify", "--log-level=warning", f"--outfile={building / 'runtime.css'}"])
    building.rename(bundle)


def _esbuild_version(paths: ProjectPaths) -> str:
    package = paths.node_modules / "esbuild" / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"] if package.is_file() else "missing"


def build_runtime(project_root: Path, site_dir: Path, settings: LiveCellsSettings) -> dict:
    """Write everything under `site_dir`/runtime and return the config baked into the bundle."""
    paths = ProjectPaths(project_root)
    runtime_dir = site_dir / "runtime"
    runtime_dir.mkdir(parents=True, exist_ok=True)
    config = _stage_packages(paths, settings, runtime_dir)
    bundle_scripts(paths, config, runtime_dir)
    return config
