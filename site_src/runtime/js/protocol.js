// The worker protocol: every message between the page and the Python worker, its kinds and their
// fields declared once in ../protocol.json (which the build's Python reads too). Every message
// carries `id`, the request id it starts or answers; the receiver rejects anything not declared
// (see `checkMessage`), in the manner of mkdocs-material's search worker.
// Named imports: esbuild bundles only these tables, not the descriptions ("about") or the build's.
import { data, ends, replies, requests } from "../protocol.json";

/** Page -> worker requests, with the fields each must carry. */
export const REQUESTS = requests;
/** Worker -> page replies, with the fields each must carry. */
export const REPLIES = replies;
/** The replies that end their request: kind -> "resolve" (the promise gets the reply) or "reject" (with its `error`). */
export const ENDS = ends;
/** The messages a `data` reply carries (its `json`), by their `kind`: the tuning playground's and an exercise's verdict. */
export const DATA = data;

/* global EXPERIMENTS_MODULE, PLAYGROUND_MODULE */
/**
 * The Python functions a `call` request may name: {module: [function, ...]}. The modules are the
 * chapter's engine's (the plugin's `engine` and `experiments` settings), baked in by runtime/build.py.
 */
export const CALLABLE = {
  [PLAYGROUND_MODULE]: ["stream_training", "settings_code"], // the tuning playground (an engine's `playground` module)
  [EXPERIMENTS_MODULE]: ["published_json"], // a figure's "Rerun in your browser" (verify-figure.js)
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

/**
 * What is wrong with `payload`, the message a `data` reply carries, or "" when its kind is declared
 * (DATA) and it has that kind's fields. The worker checks before it posts, so Python that sends an
 * undeclared message fails there, with this in its traceback.
 */
export function checkData(payload) {
  if (!payload || typeof payload !== "object" || !Object.prototype.hasOwnProperty.call(DATA, payload.kind)) {
    return `protocol: data of unknown kind ${JSON.stringify(payload?.kind)} (valid: ${Object.keys(DATA).join(", ")}; see site_src/runtime/protocol.json)`;
  }
  const missing = DATA[payload.kind].filter((field) => !(field in payload));
  return missing.length ? `protocol: data ${payload.kind} lacks ${missing.join(", ")}` : "";
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
