// The page's side of the Python worker: starts it lazily, keeps it alive across instant
// navigation, runs one request at a time, and replaces it when a run must be stopped.
import { ENDS, REPLIES, STDIN, checkMessage, makeMessage, nextId, REQUESTS } from "./protocol.js";
import { isOffline, OFFLINE_MESSAGE } from "./network.js";

export class RuntimeClient {
  /**
   * @param {object} config  build-time settings (indexURL, lockURL, preload, ...)
   * @param {URL} workerURL  the bundled worker script
   */
  constructor(config, workerURL) {
    this.config = config;
    this.workerURL = workerURL;
    this.worker = null;
    this.ready = null; // Promise resolved when init finished
    this.pending = new Map(); // request id -> {onReply, resolve, reject}
    this.progressListeners = new Set();
    this.lastProgress = null;
    this.interruptBuffer = null;
    this.stdinBuffer = null; // typed input for the worker (protocol.js STDIN)
    this.queue = Promise.resolve();
    this.starts = 0; // how many workers were started (tests read it to prove reuse)
  }

  /** Listen to loading stages: callback({stage, bytes, done}). Returns an unsubscribe function. */
  onProgress(callback) {
    this.progressListeners.add(callback);
    if (this.lastProgress) callback(this.lastProgress);
    return () => this.progressListeners.delete(callback);
  }

  emitProgress(progress) {
    this.lastProgress = progress;
    for (const listener of this.progressListeners) listener(progress);
  }

  /** Start the worker (once) and resolve when Python and numpy are loaded. */
  ensureStarted() {
    if (this.ready) return this.ready;
    this.starts += 1;
    const worker = new Worker(this.workerURL);
    this.worker = worker;
    // Events of a worker already replaced (e.g. its last words after Stop) must not touch the new one.
    worker.onmessage = (event) => this.worker === worker && this.dispatch(event.data);
    worker.onerror = (event) => this.worker === worker && this.workerFailed(worker, event);
    if (globalThis.crossOriginIsolated) {
      this.interruptBuffer = new SharedArrayBuffer(1);
      this.stdinBuffer = new SharedArrayBuffer(STDIN.textOffset + STDIN.capacity);
    }
    const config = { ...this.config, interruptBuffer: this.interruptBuffer, stdinBuffer: this.stdinBuffer };
    const ready = this.request("init", { config }, (reply) => {
      if (reply.type === "progress") this.emitProgress({ stage: reply.stage, bytes: reply.bytes, done: false });
    }).then((reply) => {
      this.versions = reply.versions;
      this.emitProgress({ stage: `Python ${reply.versions.python} ready (Pyodide ${reply.versions.pyodide}, numpy ${reply.versions.numpy})`, bytes: 0, done: true });
      return reply;
    });
    this.ready = ready;
    ready.catch(() => {
      // Let the next Run try again, unless a replacement started meanwhile (Stop during loading
      // starts one at once): forgetting it would leave that worker running unused.
      if (this.ready === ready) this.ready = null;
    });
    return ready;
  }

  request(type, fields, onReply, onInput = null) {
    const id = nextId();
    const message = makeMessage(REQUESTS, type, id, fields);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { onReply, onInput, resolve, reject });
      this.worker.postMessage(message);
    });
  }

  dispatch(message) {
    const problem = checkMessage(REPLIES, message);
    if (problem) {
      console.error(problem, message);
      return;
    }
    const entry = this.pending.get(message.id);
    if (!entry) return; // a reply to a request of a worker we already replaced
    const ending = ENDS[message.type]; // protocol.json "ends": the replies that finish their request
    if (ending) {
      this.pending.delete(message.id);
      if (ending === "resolve") entry.resolve(message);
      else entry.reject(new Error(message.error));
    } else if (message.type === "input") {
      // Only a cell shows a field to type into; any other request's code gets "no keyboard".
      if (entry.onInput) entry.onInput((line) => this.answerInput(line));
      else this.answerInput(null);
    } else if (entry.onReply) {
      entry.onReply(message);
    }
  }

  /** Hand the waiting input() its line (null: nobody can type one, TypedInputError). */
  answerInput(line) {
    const control = new Int32Array(this.stdinBuffer, 0, 2);
    if (line === null) {
      Atomics.store(control, STDIN.state, STDIN.refused);
    } else {
      const bytes = new TextEncoder().encode(line).subarray(0, STDIN.capacity);
      new Uint8Array(this.stdinBuffer, STDIN.textOffset, STDIN.capacity).set(bytes);
      control[STDIN.length] = bytes.length;
      Atomics.store(control, STDIN.state, STDIN.answered);
    }
    Atomics.notify(control, STDIN.state);
  }

  /** The worker's script failed (to load, offline, or to run): say which. */
  async workerFailed(worker, event) {
    const offline = !event.message && (await isOffline(this.workerURL));
    if (this.worker !== worker) return;
    this.failAll(offline ? OFFLINE_MESSAGE : `the Python worker crashed: ${event.message || "unknown error"}`);
  }

  failAll(reason) {
    for (const entry of this.pending.values()) entry.reject(new Error(reason));
    this.pending.clear();
    this.discard();
  }

  discard() {
    if (this.worker) {
      this.worker.onmessage = null;
      this.worker.onerror = null;
      this.worker.terminate();
    }
    this.worker = null;
    this.ready = null;
  }

  /**
   * Run a cell; `onOutput(reply)` gets stdout/stderr/image/progress replies as they come;
   * `onInput(answer)`, when the code waits in input(), shows a field and calls `answer(line)`.
   * Runs are queued: a second Run waits for the first.
   */
  run(cell, onOutput, onInput = null) {
    return this.enqueue("run", cell, onOutput, onInput);
  }

  /** Call a Python function ({module, function, args}, see protocol.js CALLABLE); queued like `run`. */
  call(request, onOutput) {
    return this.enqueue("call", request, onOutput);
  }

  /**
   * Start Python if needed, then send the request once the requests before it have finished.
   * The promise carries a `ticket`: `stop(reason, promise)` cancels a request not sent yet.
   */
  enqueue(type, fields, onOutput, onInput = null) {
    let cancel;
    const cancelled = new Promise((resolve, reject) => {
      cancel = reject;
    });
    const ticket = { sent: false, reason: null };
    ticket.cancel = (reason) => {
      ticket.reason = reason;
      cancel(new Error(reason));
    };
    const job = this.queue.then(async () => {
      if (ticket.reason) throw new Error(ticket.reason);
      // Loading news goes to the request's owner until it is cancelled (its status then says so).
      const unsubscribe = this.onProgress((progress) => ticket.reason || onOutput({ type: "progress", ...progress }));
      try {
        await this.ensureStarted();
      } finally {
        unsubscribe();
      }
      if (ticket.reason) throw new Error(ticket.reason); // stopped while Python loaded: it keeps loading
      if (this.interruptBuffer) new Uint8Array(this.interruptBuffer)[0] = 0;
      ticket.sent = true;
      return this.request(type, fields, onOutput, onInput);
    });
    this.queue = job.catch(() => {});
    const result = Promise.race([job, cancelled]); // a cancelled request ends at once, not in its turn
    result.ticket = ticket;
    return result;
  }

  /**
   * Stop `request` (a promise `run` or `call` returned; without it, whatever runs). A request
   * still waiting its turn, or for Python to load, is cancelled: it never starts, and the run
   * before it goes on. Running code, with an interrupt buffer (cross-origin isolated page), gets a
   * KeyboardInterrupt; if it does not finish within `graceMs`, or without a buffer, the worker is
   * ended and a fresh one is started at once, so the next Run is quick.
   */
  async stop(reason, request = null, graceMs = 3000) {
    if (request?.ticket && !request.ticket.sent) {
      request.ticket.cancel(reason);
      return { restarted: false };
    }
    if (this.interruptBuffer && this.pending.size) {
      const signal = new Uint8Array(this.interruptBuffer);
      const deadline = Date.now() + graceMs;
      for (let waited = 0; this.pending.size && Date.now() < deadline; waited += 50) {
        // Python clears the flag as it raises. A KeyboardInterrupt swallowed on its way (a busy
        // worker on a loaded machine, a callback) leaves the loop running: signal again every 0.5 s.
        if (waited % 500 === 0 && signal[0] === 0) signal[0] = 2; // SIGINT
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (!this.pending.size) return { restarted: false };
    }
    this.failAll(reason);
    this.ensureStarted().catch(() => {}); // pre-warm the replacement
    return { restarted: true };
  }
}
