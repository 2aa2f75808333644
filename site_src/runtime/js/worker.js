// The Python worker: loads Pyodide (self-hosted or the pinned CDN, chosen at build time), the
// chapter's engine (the plugin's `engine` setting) and, on demand, the packages a cell imports; runs cells through
// runner.py. It never touches the DOM; it talks to the page only through protocol.js messages.
import { CALLABLE, REPLIES, REQUESTS, STDIN, checkData, checkMessage, makeMessage } from "./protocol.js";
import { OfflineError, explainDownloadFailure } from "./network.js";
import { installRunnerAndChecker } from "./python-modules.mjs";
import { forgetSnapshot, keepSnapshot, snapshotURL, storedSnapshot } from "./memory-snapshot.js";
import checkerSource from "../py/exercise_check.py";
import runnerSource from "../py/runner.py";

/* global DOWNLOAD_SIZES, importScripts, loadPyodide */

const state = {
  pyodide: null, // the loaded runtime
  runner: null, // the runner.py module (a PyProxy)
  lock: null, // the lock file the runtime uses (official + the engine)
  // Bytes of the core and of each shipped package's file, baked in by the build (site_src/runtime/build.py).
  sizes: DOWNLOAD_SIZES,
  currentRun: null, // id of the run whose output is streaming
  interrupt: null, // Uint8Array over the page's interrupt buffer (cross-origin isolated pages only)
  stdin: null, // the page's typed-input buffer, see protocol.js STDIN (cross-origin isolated pages only)
  busy: Promise.resolve(), // requests run one after another
};

/**
 * When each loading step ended, in ms on the worker's clock (it starts with the worker, as the page
 * asks for Python), and the files those steps fetched, with their times: the `ready` reply carries
 * it as `timeline` (a field of `ready` in protocol.json), scripts/bench_browser.py prints it.
 */
const timeline = {
  steps: [],
  mark(step) {
    this.steps.push({ step, at: Math.round(performance.now()) });
  },
  report() {
    const files = performance.getEntriesByType("resource").map((entry) => ({
      file: new URL(entry.name).pathname.split("/").pop(),
      start: Math.round(entry.startTime),
      end: Math.round(entry.responseEnd),
    }));
    return { steps: this.steps, files };
  },
};

function reply(type, id, fields) {
  self.postMessage(makeMessage(REPLIES, type, id, fields));
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Fetch pyodide.js and check it against the build's SRI hash before evaluating it. */
async function importPyodideScript(config) {
  const url = new URL("pyodide.js", config.indexURL).href;
  const response = await fetch(url, { integrity: config.pyodideIntegrity });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const blobURL = URL.createObjectURL(new Blob([await response.text()], { type: "text/javascript" }));
  try {
    importScripts(blobURL);
  } finally {
    URL.revokeObjectURL(blobURL);
  }
}

/** The lock as served, with the site's own wheels (the engine) made absolute, as a blob URL. */
async function lockBlobURL(config) {
  const response = await fetch(config.lockURL);
  if (!response.ok) throw new Error(`${config.lockURL}: HTTP ${response.status}`);
  const lock = await response.json();
  for (const name of config.sitePackages) {
    const entry = lock.packages[name];
    if (!entry) throw new Error(`${config.lockURL}: no entry for the site's package ${name}`);
    entry.file_name = new URL(entry.file_name, config.lockURL).href;
  }
  state.lock = lock;
  return URL.createObjectURL(new Blob([JSON.stringify(lock)], { type: "application/json" }));
}

/** True when Pyodide has loaded the lock's package `name` (it keys them by their own spelling: "Pillow"). */
function isLoaded(name) {
  const loaded = state.pyodide ? Object.keys(state.pyodide.loadedPackages) : [];
  return loaded.some((key) => key.toLowerCase() === name.toLowerCase());
}

/** Names of `roots` and their dependencies from the lock that are not loaded yet. */
function packagesToLoad(roots) {
  const seen = new Set();
  const todo = [...roots];
  while (todo.length) {
    const name = todo.pop();
    if (seen.has(name) || isLoaded(name) || !state.lock.packages[name]) continue;
    seen.add(name);
    todo.push(...state.lock.packages[name].depends);
  }
  return [...seen].sort();
}

/** "a", "a and b", "a, b and c". */
function listOf(names) {
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * What a download is called in the status line: the packages asked for, and any dependency that
 * makes up a quarter of the bytes or more, so the reader sees where the size comes from
 * ("Downloading scikit-learn and scipy (26.1 MB)", not "scikit-learn (26.1 MB)").
 */
function downloadName(roots, names, bytes) {
  const asked = roots.filter((name) => names.includes(name));
  const heavy = names.filter((name) => !asked.includes(name) && (state.sizes.packages[name] || 0) * 4 >= bytes);
  return listOf([...asked, ...heavy]);
}

/**
 * Load `roots` and their dependencies not loaded yet, announcing the download and its size first:
 * the one path for the packages Python starts with (numpy, the engine) and for those a cell's imports
 * ask for later (matplotlib, scikit-learn), so a page never fetches a package no cell imports.
 */
async function loadPackagesWithProgress(id, roots) {
  const names = packagesToLoad(roots);
  if (!names.length) return;
  const bytes = names.reduce((sum, name) => sum + (state.sizes.packages[name] || 0), 0);
  reply("progress", id, { stage: `Downloading ${downloadName(roots, names, bytes)} (${megabytes(bytes)})`, bytes });
  const errors = [];
  await state.pyodide.loadPackage(names, { messageCallback: () => {}, errorCallback: (text) => errors.push(text) });
  const missing = names.filter((name) => !isLoaded(name));
  if (missing.length) {
    // Pyodide reports a failed download through the callback, not by throwing.
    throw await explainDownloadFailure(new Error(`${listOf(missing)} could not be loaded: ${errors.join(" ")}`), self.location.href);
  }
}

/**
 * Posts what Python writes at once, except in a flood (over 100 writes within 100 ms, e.g. a print
 * in a tight loop): then text is gathered and posted every 50 ms or 16 KB, so the page gets a few
 * messages rather than one per line. The order of stdout and stderr is kept. (A flood's last
 * <50 ms of text waits for the next write or the end of the run: a busy worker has no timers.)
 */
const output = {
  kind: null,
  text: "",
  lastPost: 0,
  windowStart: 0,
  writesInWindow: 0,
  add(kind, id, text) {
    const now = Date.now();
    if (now - this.windowStart > 100) {
      this.windowStart = now;
      this.writesInWindow = 0;
    }
    this.writesInWindow += 1;
    if (this.kind !== kind) this.flush(id);
    this.kind = kind;
    this.text += text;
    const flooding = this.writesInWindow > 100;
    if (!flooding || this.text.length > 16384 || now - this.lastPost > 50) this.flush(id);
  },
  flush(id) {
    if (!this.text) return;
    reply(this.kind, id, { text: this.text });
    this.text = "";
    this.lastPost = Date.now();
  },
};

function attachStreams(id) {
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const stream = (kind) => ({
    isatty: true, // line-buffered: a training loop's prints arrive as they happen
    write(buffer) {
      output.add(kind, state.currentRun ?? id, decoders[kind].decode(buffer, { stream: true }));
      return buffer.length;
    },
  });
  state.pyodide.setStdout(stream("stdout"));
  state.pyodide.setStderr(stream("stderr"));
}

/**
 * Python started: restored from the memory snapshot of an earlier visit when one is kept for this
 * runtime, else started afresh and a snapshot made for the next visit (memory-snapshot.js). A
 * snapshot Pyodide refuses is deleted and Python starts afresh.
 */
async function startPython(config, options) {
  const url = await snapshotURL(config, state.lock);
  const snapshot = await storedSnapshot(url);
  if (snapshot) {
    try {
      const pyodide = await loadPyodide({ ...options, _loadSnapshot: snapshot });
      timeline.mark("loadPyodide from the snapshot");
      return pyodide;
    } catch (error) {
      console.warn("memory snapshot refused, starting Python afresh:", error);
      await forgetSnapshot(url);
    }
  }
  const pyodide = await loadPyodide({ ...options, _makeSnapshot: Boolean(url) });
  timeline.mark("loadPyodide");
  if (!url) return pyodide;
  let bytes = null;
  try {
    bytes = pyodide.makeMemorySnapshot();
  } catch (error) {
    console.warn("memory snapshot: not made:", error); // the next visit starts afresh too
  }
  if (bytes) keepSnapshot(url, bytes); // stored while numpy loads
  return pyodide;
}

/** Pyodide itself, with the lock that lists the site's packages. */
async function loadRuntime(config) {
  try {
    await importPyodideScript(config);
    timeline.mark("pyodide.js");
    const lockFileURL = await lockBlobURL(config);
    timeline.mark("lock");
    state.pyodide = await startPython(config, { indexURL: config.indexURL, lockFileURL, env: { MPLBACKEND: "Agg" } });
    URL.revokeObjectURL(lockFileURL);
  } catch (error) {
    throw await explainDownloadFailure(error, self.location.href);
  }
}

async function init(message) {
  const { config } = message;
  reply("progress", message.id, { stage: `Downloading Python (Pyodide ${config.version}, ${megabytes(state.sizes.core)})`, bytes: state.sizes.core });
  await loadRuntime(config);
  if (config.interruptBuffer) {
    state.interrupt = new Uint8Array(config.interruptBuffer);
    state.pyodide.setInterruptBuffer(state.interrupt);
  }
  attachStreams(message.id);
  state.runner = installRunnerAndChecker(state.pyodide, { runner: runnerSource, checker: checkerSource });
  timeline.mark("runner");
  if (config.stdinBuffer) {
    state.stdin = config.stdinBuffer;
    state.runner.KEYBOARD.read_line = readTypedLine;
  }
  await loadPackagesWithProgress(message.id, config.preload);
  timeline.mark(`load ${config.preload.join(", ")}`);
  const found = state.pyodide.runPython("import sys, numpy; {'python': sys.version.split()[0], 'numpy': numpy.__version__}");
  const versions = found.toJs({ dict_converter: Object.fromEntries });
  found.destroy();
  timeline.mark("import numpy");
  reply("ready", message.id, { versions: { ...versions, pyodide: state.pyodide.version }, timeline: timeline.report() });
}

/**
 * input() in the reader's code (runner.py KeyboardStdin): ask the page for a line and wait for it,
 * synchronously, on the shared buffer. Returns the line; null when the reader pressed Stop (the
 * interrupt signal is taken here: Python raises KeyboardInterrupt itself); false when the page has
 * no field to type into.
 */
function readTypedLine() {
  const control = new Int32Array(state.stdin, 0, 2);
  Atomics.store(control, STDIN.state, STDIN.waiting);
  output.flush(state.currentRun); // the prompt, before the field appears
  reply("input", state.currentRun, {});
  while (Atomics.load(control, STDIN.state) === STDIN.waiting) {
    if (state.interrupt && state.interrupt[0] !== 0) {
      state.interrupt[0] = 0;
      return null;
    }
    Atomics.wait(control, STDIN.state, STDIN.waiting, 100); // woken by the answer; Stop is polled
  }
  if (Atomics.load(control, STDIN.state) === STDIN.refused) return false;
  // TextDecoder reads no shared memory: copy the bytes out first.
  return new TextDecoder().decode(new Uint8Array(state.stdin, STDIN.textOffset, control[STDIN.length]).slice());
}

/** Lock packages providing the top-level modules the code imports. */
function packagesForImports(code) {
  const byImport = {};
  for (const [name, entry] of Object.entries(state.lock.packages)) {
    for (const module of entry.imports) byImport[module] = name;
  }
  const found = state.runner.imported_modules(code);
  const modules = found.toJs();
  found.destroy();
  return [...new Set(modules.map((module) => byImport[module]).filter(Boolean))];
}

async function run(message) {
  if (!state.runner) throw new Error("run before init: send init first");
  await loadPackagesWithProgress(message.id, packagesForImports(`${message.setup}\n${message.code}`));
  state.currentRun = message.id;
  // Text printed before a figure or a data message is posted before it.
  const emitImage = (png, title) => (output.flush(message.id), reply("image", message.id, { png, title }));
  const emitData = dataPoster(message.id);
  reply("started", message.id, {});
  let outcome;
  try {
    const result = await state.runner.run_cell(message.pageId, message.index, message.title, message.setup, message.code, emitImage, emitData);
    outcome = result.toJs({ dict_converter: Object.fromEntries });
    result.destroy();
  } finally {
    output.flush(message.id);
  }
  reply("done", message.id, { ok: outcome.ok, error: outcome.error });
}

/**
 * What livecells_runner.send_data reaches during request `id`: posts the message (JSON text) as a
 * `data` reply with its kind, after the text printed before it. A message protocol.json does not
 * declare throws, into the Python that sent it (its traceback names the problem).
 */
function dataPoster(id) {
  return (json) => {
    const payload = JSON.parse(json);
    const problem = checkData(payload);
    if (problem) throw new Error(problem);
    output.flush(id);
    reply("data", id, { kind: payload.kind, json });
  };
}

/** Why a `call` request may not run ("" when it may): only CALLABLE functions, JSON-object args. */
function callProblem(message) {
  const functions = CALLABLE[message.module];
  if (!functions) return `call: unknown module ${JSON.stringify(message.module)} (callable: ${Object.keys(CALLABLE).join(", ")})`;
  if (!functions.includes(message.function)) {
    return `call: ${message.module} has no callable ${JSON.stringify(message.function)} (callable: ${functions.join(", ")})`;
  }
  const args = message.args;
  if (!args || typeof args !== "object" || Array.isArray(args)) return "call: args must be a JSON object of keyword arguments";
  return "";
}

async function call(message) {
  if (!state.runner) throw new Error("call before init: send init first");
  const problem = callProblem(message);
  if (problem) {
    reply("failed", message.id, { error: problem }); // the page's mistake: no worker stack trace
    return;
  }
  await loadPackagesWithProgress(message.id, packagesForImports(`import ${message.module}`));
  state.currentRun = message.id;
  const emitData = dataPoster(message.id);
  reply("started", message.id, {});
  let outcome = { ok: true, error: "" };
  try {
    const json = state.runner.call_function(message.module, message.function, JSON.stringify(message.args), emitData);
    output.flush(message.id);
    reply("result", message.id, { json });
  } catch (error) {
    // The traceback is on stderr already; the last line names the exception (e.g. ValueError: ...).
    const lines = String(error?.message || error).trim().split("\n");
    outcome = { ok: false, error: lines[lines.length - 1] };
  } finally {
    output.flush(message.id);
  }
  reply("done", message.id, outcome);
}

const HANDLERS = { init, run, call };

self.onmessage = (event) => {
  const message = event.data;
  const problem = checkMessage(REQUESTS, message);
  if (problem) {
    reply("failed", typeof message?.id === "number" ? message.id : 0, { error: problem });
    return;
  }
  state.busy = state.busy.then(() =>
    HANDLERS[message.type](message).catch((error) =>
      reply("failed", message.id, { error: error instanceof OfflineError ? error.message : String(error?.stack || error) }),
    ),
  );
};
