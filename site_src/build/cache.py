"""A content-addressed cache for experiment results and figures.

The key of an entry is a pure function of everything that can change its bytes (see
`cache_key`). An entry is a payload file plus a manifest holding the payload's SHA-256 and size,
both written atomically (temporary file + `os.replace`), manifest last. Reading verifies the
manifest against the payload, so a partial write (payload without manifest), a truncated or edited
payload, or an unreadable manifest is reported as a miss and recomputed, never served.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

#: Bump when the layout of cached entries or the meaning of a key changes.
CACHE_FORMAT = 1


def canonical_json(value: object) -> bytes:
    """JSON with sorted keys, no whitespace and no NaN: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data`, as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def tree_hash(root: Path, patterns: Iterable[str] = ("**/*.py",)) -> str:
    """Hash of the files under `root` matching `patterns`: their paths relative to `root` and bytes.

    Caches and bytecode are skipped; renaming, adding or deleting a file changes the hash.
    """
    files = sorted(
        {path for pattern in patterns for path in root.glob(pattern) if path.is_file() and "__pycache__" not in path.parts}
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(sha256_hex(path.read_bytes()).encode() + b"\n")
    return digest.hexdigest()


def files_hash(paths: Iterable[Path]) -> str:
    """Hash of the bytes of the given files (in sorted order of their paths)."""
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        digest.update(path.name.encode() + b"\0" + sha256_hex(path.read_bytes()).encode() + b"\n")
    return digest.hexdigest()


def cache_key(kind: str, inputs: Mapping[str, object]) -> str:
    """The cache key of one entry: a pure function of its kind and of every input that changes it.

    `inputs` must be JSON-serialisable (configs as dicts, hashes of source trees, library versions,
    settings). Key order does not matter; any change of any value gives a different key.
    """
    return sha256_hex(canonical_json({"format": CACHE_FORMAT, "kind": kind, "inputs": dict(inputs)}))


class ContentCache:
    """Payloads stored by key under `root/<kind>/<key[:2]>/<key>.{data,manifest.json}`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, kind: str, key: str) -> tuple[Path, Path]:
        folder = self.root / kind / key[:2]
        return folder / f"{key}.data", folder / f"{key}.manifest.json"

    def status(self, kind: str, key: str) -> str:
        """`hit`, `absent`, `partial` or `corrupt` for the entry `key` of `kind`."""
        return self.lookup(kind, key)[1]

    def get(self, kind: str, key: str) -> bytes | None:
        """The verified payload of `key`, or None when it is absent, partial or corrupt."""
        return self.lookup(kind, key)[0]

    def lookup(self, kind: str, key: str) -> tuple[bytes | None, str]:
        """(verified payload or None, state): state is `hit`, `absent`, `partial` or `corrupt`."""
        data_path, manifest_path = self._paths(kind, key)
        if not data_path.exists() and not manifest_path.exists():
            return None, "absent"
        if not data_path.exists() or not manifest_path.exists():
            return None, "partial"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            expected_sha, expected_size = manifest["sha256"], manifest["size"]
        except (OSError, ValueError, KeyError, TypeError):
            return None, "corrupt"
        payload = data_path.read_bytes()
        if len(payload) != expected_size or sha256_hex(payload) != expected_sha:
            return None, "corrupt"
        return payload, "hit"

    def through(self, kind: str, key: str, make: Callable[[], bytes]) -> tuple[bytes, bool]:
        """(payload of `key`, True) when stored and verified; else (`make()`, False), stored first."""
        payload = self.get(kind, key)
        if payload is not None:
            return payload, True
        payload = make()
        self.put(kind, key, payload)
        return payload, False

    def prune(self, kind: str, keep: Iterable[str], spare: int) -> list[str]:
        """Delete entries of `kind` except `keep` and the `spare` most recently written others.

        Bounds the cache (every engine edit makes a new set of entries) while keeping what the
        current build uses and a few recent sets, so undoing an edit is still a cache hit.
        Returns the deleted keys.
        """
        kept = set(keep)
        folder = self.root / kind
        entries = {path.name.split(".", 1)[0]: path for path in folder.glob("*/*") if not path.name.endswith(PARTIAL_SUFFIX)}
        others = sorted((key for key in entries if key not in kept), key=lambda key: (-entries[key].stat().st_mtime, key))
        doomed = others[spare:]
        for key in doomed:
            for path in self._paths(kind, key):
                path.unlink(missing_ok=True)
        return doomed

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Store `payload` under `key`: payload first, manifest last, each replaced atomically."""
        data_path, manifest_path = self._paths(kind, key)
        data_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(data_path, payload)
        manifest = {"format": CACHE_FORMAT, "sha256": sha256_hex(payload), "size": len(payload)}
        atomic_write(manifest_path, canonical_json(manifest))


#: The suffix of a file `replacing` is still writing: readers of a folder skip such files.
PARTIAL_SUFFIX = ".part"


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A file object whose bytes replace `path` at once when it closes: a reader (another build
    thread, a Node process, a browser) sees the old file or the new, never a mix. Each writer has a
    temporary file of its own, so two writing the same path at once do not collide."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX)
    try:
        # mkstemp's file is private (0600); these are build outputs a web server must read.
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as temp_file:
            yield temp_file
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see either the old bytes or the new, never a mix."""
    with replacing(path) as file:
        file.write(data)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` only when its bytes differ (so `mkdocs serve` does not loop); True if written."""
    if path.exists() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True
