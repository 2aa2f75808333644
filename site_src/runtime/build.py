"""Put the browser runtime into the built site: verified Pyodide, the engine's wheel, the JS bundles.

Layout written under ``<site>/runtime/``:

* ``livecells.js`` (+ ``chunk-*.js``): the page script (ES module), which mounts each fence's
  script (``js/fences/<fence name>.js``, a chunk fetched by pages with the fence); ``runtime.css``:
  the cells', the playground's and every fence's styles (``css/fences/<fence name>.css``) in one
  minified stylesheet;
  ``editor.js``: the CodeMirror editor, fetched only when a reader focuses, edits or runs a cell;
  every bundle minified, with a linked source map (``*.js.map``, fetched by developer tools only);
* ``worker.js``: the Web Worker, with ``py/runner.py`` bundled in as text and the download size of
  every shipped package (for its progress lines; kept out of the page script, which every page with
  a cell loads before any Run: shipping more packages adds nothing to a page's weight);
* ``pyodide/`` (``pyodide: self``, the default): the verified mirror, the engine's wheel and the lock
  (official entries of the shipped packages + the engine);
* with ``pyodide: cdn``: only the engine's wheel and the lock (official + engine) next to the
  bundles; Pyodide and its packages come from the jsDelivr CDN, pinned to the same version.

Settings come from the plugin's settings in mkdocs.yml (see `LiveCellsSettings`).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from site_src.build.cache import PARTIAL_SUFFIX, cache_key, sha256_hex, tree_hash
from site_src.build.step import BuildContext
from site_src.markdown.fences import FenceKindError, fence_kinds
from site_src.project import DEFAULT_CELL_TIMEOUT, Project
from site_src.runtime.engine_wheel import build_engine_wheel, write_lock_with_engine
from site_src.runtime.mirror import PYODIDE_VERSION, assemble_mirror, load_official_lock, mirror_sizes

CDN_INDEX_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
HERE = Path(__file__).parent
#: Packages loaded with Python itself, before the engine (which needs numpy); the others wait
#: for a cell that imports them.
PRELOAD = ("numpy",)
#: What of the runtime's config only the worker needs (baked into worker.js, not the page script).
WORKER_ONLY = ("sizes", "shipped")


class RuntimeSettingsError(ValueError):
    """The runtime cannot be built with what is installed (esbuild missing or failing); the message says how to fix it."""


@dataclass(frozen=True)
class LiveCellsSettings:
    """What the page's runtime is told (the plugin's settings, checked by MkDocs: `site_src.plugin.ChapterConfig`).

    pyodide: "self" (serve the verified mirror from the site) or "cdn" (jsDelivr, same version).
    load: "run" (Python downloads on the first Run), "intent" (when the pointer comes over a cell
    or the focus into it) or "visible" (as soon as a cell is on screen).
    timeout: default time limit of a run in seconds (a cell's `timeout` option overrides it).
    fences: the chapter's own fence modules (besides site_src.markdown's), whose scripts and stylesheets the bundles take.
    """

    pyodide: str = "self"
    load: str = "run"
    timeout: float = DEFAULT_CELL_TIMEOUT
    fences: tuple[str, ...] = ()


def sri_sha384(path: Path) -> str:
    """Subresource-integrity value of a file."""
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def _sync_file(source: Path, target: Path) -> None:
    # Copy only what changed: `mkdocs serve` rebuilds often and the mirror is 52 MB.
    if target.is_file() and target.stat().st_size == source.stat().st_size and target.read_bytes() == source.read_bytes():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _stage_packages(paths: Project, settings: LiveCellsSettings, runtime_dir: Path) -> dict:
    """Write the wheel(s), the lock and (self mode) the mirror; return the bundle's config."""
    mirror = assemble_mirror(paths.mirror, paths.packages)
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
    wheel = build_engine_wheel(paths.engine_dir, lock_dir)
    lock = write_lock_with_engine(base_lock, wheel, lock_dir / "pyodide-lock.json")
    sizes = mirror_sizes(mirror, load_official_lock(paths.mirror.npm_pyodide))
    sizes["packages"][paths.engine] = wheel.stat().st_size
    return {
        "version": PYODIDE_VERSION,
        "indexURL": index_url,
        "lockURL": (lock_dir / "pyodide-lock.json").relative_to(runtime_dir).as_posix(),
        "pyodideIntegrity": sri_sha384(mirror / "pyodide.js"),
        "sitePackages": [paths.engine],
        "preload": [*PRELOAD, paths.engine],
        "sizes": sizes,
        "timeout": settings.timeout,
        "load": settings.load,
        "shipped": sorted(lock["packages"]),
    }


def engine_wheel_folder(settings: LiveCellsSettings) -> str:
    """Where the site serves the engine's wheel, relative to the site root (as `_stage_packages` writes it)."""
    return "runtime/pyodide/" if settings.pyodide == "self" else "runtime/"


def _esbuild(paths: Project, arguments: list[str]) -> None:
    binary = paths.node_modules / ".bin" / "esbuild"
    if not binary.exists():
        raise RuntimeSettingsError(f"{binary}: missing; run scripts/setup (npm ci installs esbuild from package-lock.json)")
    try:
        subprocess.run([str(binary), *arguments], check=True, capture_output=True, text=True, cwd=paths.root)
    except subprocess.CalledProcessError as err:
        raise RuntimeSettingsError(f"esbuild failed bundling site_src/runtime/js: {err.stderr.strip()}") from err


#: esbuild's outputs by a key over its inputs: `mkdocs serve` rebuilds skip esbuild (0.2 s) when
#: neither the runtime's sources nor the baked-in settings changed.
BUNDLE_CACHE = "runtime-bundles"  # under the project's cache folder
#: Bundles kept in the cache (the newest): enough to switch between branches without re-bundling.
BUNDLES_KEPT = 8


def bundle_scripts(paths: Project, config: dict, runtime_dir: Path, fence_modules: Sequence[str] = ()) -> None:
    """Bundle the page script, the editor (ES modules, shared code in chunks) and the worker
    (classic script), or take the bundles made from the same inputs from the cache."""
    page_config = {name: value for name, value in config.items() if name not in WORKER_ONLY}
    fences = fence_classes(fence_modules)
    defines = {"LIVE_CELLS_CONFIG": page_config, "PLAYGROUND_SPEC": _playground_spec(paths.engine),
               # the fences with a script (js/fences/<name>.js) and the class of their elements (livecells.js mounts them)
               "FENCE_SCRIPTS": {name: fences[name] for name in _fence_files("js", ".js", fences)},
               "DOWNLOAD_SIZES": config.get("sizes", {"core": 0, "packages": {}}),
               # the modules a `call` request may name (protocol.js CALLABLE), page and worker alike
               "EXPERIMENTS_MODULE": paths.experiments, "PLAYGROUND_MODULE": f"{paths.engine}.playground"}
    installed = paths.node_modules / ".package-lock.json"  # npm's record of the installed packages (CodeMirror, GLightbox)
    sources = ("js/*.js", "js/fences/*.js", "js/*.mjs", "css/*.css", "css/fences/*.css", "py/*.py", "protocol.json")
    key = cache_key("runtime-bundle", {"sources": tree_hash(HERE, sources), "defines": defines, "fences": fences, "esbuild": _esbuild_version(paths),
                                       "packages": sha256_hex(installed.read_bytes()) if installed.is_file() else None})
    bundle = paths.cache_dir / BUNDLE_CACHE / key
    if bundle.is_dir():
        os.utime(bundle)  # recently used: kept by the pruning below
    else:
        _run_esbuild(paths, defines, bundle, fences)
    for old in (*runtime_dir.glob("chunk-*.js"), *runtime_dir.glob("chunk-*.js.map")):
        old.unlink()
    for output in sorted(bundle.iterdir()):
        shutil.copyfile(output, runtime_dir / output.name)
    for stale in sorted(bundle.parent.iterdir(), key=lambda entry: entry.stat().st_mtime)[:-BUNDLES_KEPT]:
        shutil.rmtree(stale, ignore_errors=True)


def _playground_spec(engine: str) -> dict | None:
    """The tuning playground's controls, choices and defaults, defined once in the engine's
    ``playground.page_spec`` (the engine of this build: serve re-imports an edited one); None
    for an engine without a playground."""
    try:
        playground = importlib.import_module(f"{engine}.playground")
    except ModuleNotFoundError as err:
        if err.name != f"{engine}.playground":
            raise  # the playground exists and imports something missing: not ours to hide
        return None
    return playground.page_spec()


def fence_classes(fence_modules: Sequence[str] = ()) -> dict[str, str]:
    """Every kind of fence (site_src.markdown's and `fence_modules`') -> the class of its elements
    (the first of its ``html_class``), which its script mounts and its stylesheet styles."""
    try:
        return {kind.name: kind.html_class.split()[0] for kind in fence_kinds(fence_modules)}
    except FenceKindError as err:
        raise RuntimeSettingsError(str(err)) from err


def _fence_files(folder: str, suffix: str, fences: dict[str, str]) -> list[str]:
    """The fences with a file `<folder>/fences/<fence name><suffix>` (their script or stylesheet);
    a file named after no fence is refused, naming the fences."""
    names = sorted(path.name.removesuffix(suffix) for path in (HERE / folder / "fences").glob(f"*{suffix}"))
    for name in names:
        if name not in fences:
            raise RuntimeSettingsError(f"{HERE / folder / 'fences' / (name + suffix)}: no fence is named {name!r} "
                                       f"(fences: {', '.join(sorted(fences))}); name the file after its fence")
    return names


def _stylesheet_entry(fences: dict[str, str]) -> str:
    """The bundled stylesheet's entry: runtime.css, then each fence's own stylesheet
    (css/fences/<name>.css), then `[hidden]` made to hide inside every fence (see runtime.css)."""
    imports = [HERE / "css" / "runtime.css", *(HERE / "css" / "fences" / f"{name}.css" for name in _fence_files("css", ".css", fences))]
    classes = ", ".join(f".{fences[name]}" for name in sorted(fences))
    return "".join(f'@import "{path.as_posix()}";\n' for path in imports) + f":is({classes}) [hidden] {{\n  display: none !important;\n}}\n"


def _run_esbuild(paths: Project, defines: dict, bundle: Path, fences: dict[str, str]) -> None:
    """esbuild into a fresh folder, renamed to `bundle` when complete (an interrupted run leaves no entry)."""
    building = bundle.with_name(bundle.name + PARTIAL_SUFFIX)
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    define = {name: f"--define:{name}={json.dumps(value, sort_keys=True)}" for name, value in defines.items()}
    modules = [define[name] for name in ("EXPERIMENTS_MODULE", "PLAYGROUND_MODULE")]
    page_define = [define[name] for name in ("LIVE_CELLS_CONFIG", "PLAYGROUND_SPEC", "FENCE_SCRIPTS")] + modules
    common = ["--bundle", "--minify", "--sourcemap=linked", "--target=es2020", "--legal-comments=eof", "--log-level=warning"]
    js = HERE / "js"
    # editor.js is an entry point of its own, so the file a reader's first edit fetches has a stable name.
    entries = [str(js / "livecells.js"), str(js / "editor.js")]
    # The lightbox's stylesheet is text in its module (figure-lightbox.js adopts it): one request, on the first figure opened.
    _esbuild(paths, [*entries, *common, "--format=esm", "--splitting", "--loader:.css=text", *page_define, f"--outdir={building}",
                     "--chunk-names=chunk-[hash]"])
    _esbuild(paths, [str(js / "worker.js"), *common, "--format=iife", "--loader:.py=text", define["DOWNLOAD_SIZES"], *modules,
                     f"--outfile={building / 'worker.js'}"])
    entry = bundle.with_name(bundle.name + ".css-entry") / "runtime.css"
    entry.parent.mkdir(exist_ok=True)
    entry.write_text(_stylesheet_entry(fences), encoding="utf-8")
    try:
        _esbuild(paths, [str(entry), "--bundle", "--minify", "--log-level=warning", f"--outfile={building / 'runtime.css'}"])
    finally:
        shutil.rmtree(entry.parent)
    building.rename(bundle)


def _esbuild_version(paths: Project) -> str:
    package = paths.node_modules / "esbuild" / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"] if package.is_file() else "missing"


class RuntimeStep:
    """The build's last step, after MkDocs wrote the pages: the runtime into `site_dir`/runtime
    (the mirror and the bundles are cached by their own inputs, so a rebuild copies what changed)."""

    kind = "runtime"

    def __init__(self, site_dir: Path, settings: LiveCellsSettings) -> None:
        self.site_dir, self.settings = site_dir, settings

    def run(self, build: BuildContext) -> None:
        runtime = build_runtime(build.project, self.site_dir, self.settings)
        build.log(f"live cells: Pyodide {runtime['version']} ({self.settings.pyodide}), {len(runtime['shipped'])} packages shipped")


def build_runtime(paths: Project, site_dir: Path, settings: LiveCellsSettings) -> dict:
    """Write everything under `site_dir`/runtime and return the config baked into the bundle."""
    runtime_dir = site_dir / "runtime"
    runtime_dir.mkdir(parents=True, exist_ok=True)
    config = _stage_packages(paths, settings, runtime_dir)
    bundle_scripts(paths, config, runtime_dir, settings.fences)
    return config
