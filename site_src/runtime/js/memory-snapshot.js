// Python started from a memory snapshot on a repeat visit. Pyodide 0.27's `makeMemorySnapshot`
// (with the `_makeSnapshot` option of loadPyodide) copies the started interpreter's memory; the
// `_loadSnapshot` option restores it instead of starting Python again (its own check refuses a
// snapshot of another Pyodide build). The worker makes one after its first start, before any
// package or the reader's code, and keeps it in the Cache API for the next visits.
//
// Only the bare interpreter is kept: a package with compiled code (numpy) lives partly outside the
// memory a snapshot copies (its WebAssembly modules and function table), so numpy and the engine
// load after the restore as on a first visit, and a cell's results cannot depend on the snapshot.
//
// The snapshot's address names what it was made with: Pyodide's version and build (pyodide.js's
// hash) and the lock's entries of the packages the worker starts with (numpy, the engine). A new
// deploy of any of them gives a new address; the old snapshot is deleted when the new one is kept.

const CACHE = "python-memory-snapshot";

/** The Cache API, or null where it may not be used (some private modes). */
async function snapshotCache() {
  if (!self.caches) return null;
  try {
    return await self.caches.open(CACHE);
  } catch (error) {
    console.warn("memory snapshot: no cache:", error);
    return null;
  }
}

/**
 * The address the snapshot for this runtime (config: the worker's init config; lock: the lock in
 * use) is kept under; null on an insecure origin (plain http to another host), which has neither
 * the Cache API nor crypto.subtle: Python then starts afresh on every visit.
 */
export async function snapshotURL(config, lock) {
  if (!self.isSecureContext) return null;
  const packages = config.preload.map((name) => [name, lock.packages[name]?.sha256 ?? "not in the lock"]);
  const made = JSON.stringify({ pyodide: config.version, build: config.pyodideIntegrity, packages });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(made)));
  const hex = [...digest.slice(0, 12)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return new URL(`python-memory-snapshot-${hex}.bin`, config.indexURL).href;
}

/** The snapshot kept under `url`, or null (none, or it cannot be read: Python then starts afresh). */
export async function storedSnapshot(url) {
  if (!url) return null;
  const cache = await snapshotCache();
  try {
    const response = await cache?.match(url);
    return response ? new Uint8Array(await response.arrayBuffer()) : null;
  } catch (error) {
    console.warn("memory snapshot: not read:", error);
    return null;
  }
}

/** Keep `bytes` under `url`, deleting any snapshot of another runtime. Failing (e.g. no room) only costs the next visit's time. */
export async function keepSnapshot(url, bytes) {
  if (!url) return;
  const cache = await snapshotCache();
  if (!cache) return;
  try {
    for (const request of await cache.keys()) if (request.url !== url) await cache.delete(request);
    await cache.put(url, new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
  } catch (error) {
    console.warn("memory snapshot: not kept:", error);
  }
}

/** Delete the snapshot under `url` (Pyodide refused it). */
export async function forgetSnapshot(url) {
  const cache = await snapshotCache();
  await cache?.delete(url);
}
