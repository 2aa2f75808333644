// The worker protocol, in one place: every message between the page and the Python worker.
// Every message carries `id`, the request id it starts or answers; the receiver rejects anything
// not listed here (see `checkMessage`), in the manner of mkdocs-material's search worker.

/** Page -> worker requests, with the fields each must carry. */
export const REQUESTS = {
  // Start Python and load the engine. config: {version, indexURL, lockURL, pyodideIntegrity, sitePackages, preload,
  // interruptBuffer, stdinBuffer} (the two buffers: SharedArrayBuffers on a cross-origin isolated page, else null)
  init: ["config"],
  // Run one cell in the page's namespace.
  run: ["pageId", "index", "title", "setup", "code"],
  // Call a Python function with JSON arguments (no generated source): one of CALLABLE below.
  call: ["module", "function", "args"],
};

/* global EXPERIMENTS_MODULE, PLAYGROUND_MODULE */
/**
 * The Python functions a `call` request may name: {module: [function, ...]}. The modules are the
 * chapter's engine's (the plugin's `engine` and `experiments` settings), baked in by runtime/build.py.
 */
export const CALLABLE = {
  [PLAYGROUND_MODULE]: ["stream_training", "settings_code"], // the tuning playground (an engine's `playground` module)
  [EXPERIMENTS_MODULE]: ["published_json"], // a figure's "Rerun in your browser" (verify-figure.js)
};

/** Worker -> page replies, with the fields each must carry. */
export const REPLIES = {
  progress: ["stage", "bytes"], // a loading stage starts; bytes = its download size (0 if none)
  ready: ["versions"], // init finished: {python, pyodide, numpy}
  started: [], // the cell's code starts now (packages loaded): its time limit counts from here
  stdout: ["text"],
  stderr: ["text"],
  image: ["png", "title"], // a matplotlib figure as base64 PNG
  data: ["json"], // structured data the code sent with livecells_runner.send_data (the tuning playground's epochs)
  result: ["json"], // a `call` request's return value, as JSON (before its `done`)
  input: [], // the code waits in input() for a line typed by the reader (answered through STDIN, not a message)
  done: ["ok", "error"], // a run finished (ok=false: the reader's exception; traceback already on stderr)
  failed: ["error"], // the runtime itself failed (load error, unknown message, ...)
};

/**
 * The typed-input buffer (a SharedArrayBuffer): Int32 `state` and `length` at the start, then the
 * line's UTF-8 bytes at `textOffset`. The worker sets `waiting` and sleeps (Atomics.wait) until the
 * page writes the line and sets `answered`, or sets `refused` (nobody can type a line).
 */
export const STDIN = { state: 0, length: 1, textOffset: 8, capacity: 65536, waiting: 0, answered: 1, refused: 2 };

let lastId = 0;

/** A new request id, unique within this page. */
export function nextId() {
  lastId += 1;
  return lastId;
}

/** Build a message of `type` after checking it carries its fields. */
export function makeMessage(table, type, id, fields) {
  const message = { type, id, ...fields };
  const problem = checkMessage(table, message);
  if (problem) throw new Error(problem);
  return message;
}

/** Returns a description of what is wrong with `message`, or "" when it is valid for `table`. */
export function checkMessage(table, message) {
  if (!message || typeof message !== "object") return "protocol: message is not an object";
  if (!Object.prototype.hasOwnProperty.call(table, message.type)) {
    return `protocol: unknown message type ${JSON.stringify(message.type)} (valid: ${Object.keys(table).join(", ")})`;
  }
  if (typeof message.id !== "number") return `protocol: message ${message.type} has no numeric request id`;
  const missing = table[message.type].filter((field) => !(field in message));
  if (missing.length) return `protocol: message ${message.type} lacks ${missing.join(", ")}`;
  return "";
}
