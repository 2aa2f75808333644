"""Package the engine (a folder of ``.py`` files) as a deterministic pure-Python wheel and list it in a Pyodide lock file.

The wheel is named after the package's folder and carries whatever it holds (every ``.py`` file, sorted), declares its one
dependency (numpy), and is byte-for-byte reproducible: every zip entry has the same fixed
timestamp and permissions, entries are sorted, and the version's local part is a hash of the
sources, so a changed engine gets a new file name (no stale browser cache) and an unchanged one
the same bytes. The zip is written with the standard library because ``wheel.WheelFile`` only
fixes timestamps through the process-wide ``SOURCE_DATE_EPOCH``; the lock entry (sha256, imports,
numpy dependency resolved against the official lock) is made by ``pyodide_lock.add_wheels_to_spec``.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from pathlib import Path

from pyodide_lock import PyodideLockSpec
from pyodide_lock.utils import add_wheels_to_spec

from site_src.build.cache import atomic_write

BASE_VERSION = "0.1.0"
#: 1980-01-01, the earliest time a zip entry can hold: the same for every build.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
REQUIRES = ("numpy",)
TAG = "py3-none-any"
#: The wheel's `Generator:` line. It names the module under its first name: the text is part of
#: every wheel's bytes, and so of the published site's (a new text would change both, nothing else).
GENERATOR = "site_src.runtime.lesson_wheel"
#: The wheel's `Summary:` line (part of its bytes too).
SUMMARY = "The hyperparameter chapter's numpy engine"


def download_wheel_name(engine: str) -> str:
    """The name the downloaded lab notebook installs the engine by (a copy next to the notebook):
    without the sources' hash, so the notebook, and its rendered page, do not change with every engine edit."""
    return f"{engine}-{BASE_VERSION}-{TAG}.whl"


class EngineWheelError(RuntimeError):
    """The engine package cannot be packaged."""


def _source_files(package_dir: Path) -> list[Path]:
    files = sorted(p for p in package_dir.rglob("*.py") if "__pycache__" not in p.parts)
    if not files:
        raise EngineWheelError(f"{package_dir}: no .py files to package; the engine package is missing")
    return files


def sources_hash(package_dir: Path) -> str:
    """Short hash of the package's file paths and bytes (the wheel's local version)."""
    digest = hashlib.sha256()
    for path in _source_files(package_dir):
        digest.update(path.relative_to(package_dir.parent).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _metadata(name: str, version: str) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Summary: {SUMMARY}"]
    lines += [f"Requires-Dist: {req}" for req in REQUIRES]
    return "\n".join(lines) + "\n"


def _wheel_info() -> str:
    return f"Wheel-Version: 1.0\nGenerator: {GENERATOR}\nRoot-Is-Purelib: true\nTag: {TAG}\n"


def _entries(package_dir: Path, version: str) -> list[tuple[str, bytes]]:
    dist_info = f"{package_dir.name}-{version}.dist-info"
    entries = [(p.relative_to(package_dir.parent).as_posix(), p.read_bytes()) for p in _source_files(package_dir)]
    entries += [(f"{dist_info}/METADATA", _metadata(package_dir.name, version).encode()), (f"{dist_info}/WHEEL", _wheel_info().encode())]
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    writer.writerows((name, _record_hash(data), len(data)) for name, data in entries)
    writer.writerow((f"{dist_info}/RECORD", "", ""))
    entries.append((f"{dist_info}/RECORD", record.getvalue().encode()))
    return entries


def wheel_file_name(package_dir: Path) -> str:
    """The engine wheel's file name (its version carries the sources' hash), without building it."""
    return f"{package_dir.name}-{BASE_VERSION}+{sources_hash(package_dir)}-{TAG}.whl"


def build_engine_wheel(package_dir: Path, out_dir: Path) -> Path:
    """Write the engine's wheel into `out_dir` (replacing its older wheels there) and return it."""
    version = f"{BASE_VERSION}+{sources_hash(package_dir)}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheel_file_name(package_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in _entries(package_dir, version):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)
    # The build's two Pyodides may swap in an edited engine at the same time: each writes the
    # same bytes, atomically, and an older wheel may already be gone.
    for old in out_dir.glob(f"{package_dir.name}-*.whl"):
        if old != target:
            old.unlink(missing_ok=True)
    atomic_write(target, buffer.getvalue())
    return target


def write_lock_with_engine(base_lock: Path, wheel: Path, out_lock: Path) -> dict:
    """Write `out_lock`: `base_lock` plus the engine wheel's entry (depends on numpy), and return it.

    The wheel's file name is stored relative to `out_lock`'s folder. Raises if numpy is missing
    from the base lock (the engine could not import there).
    """
    spec = PyodideLockSpec.from_json(base_lock)
    try:
        new_spec = add_wheels_to_spec(spec, [wheel], base_path=out_lock.parent)
    except RuntimeError as err:
        raise EngineWheelError(f"{base_lock}: cannot add {wheel.name}: {err}") from err
    new_spec.to_json(out_lock, indent=1)
    return new_spec.model_dump()
