// Live Python cells: turns each `.live-cell` block written by site_src/markdown/livecells.py into
// an editor with Run / Stop / Reset and an output area, talking to the shared Python worker.
// Material's instant navigation swaps pages without reloading scripts, so cells are (re)attached
// on each `document$` emission and the worker (with its loaded packages) lives on.
import { RuntimeClient } from "./runtime-client.js";
import { createLazyEditor } from "./lazy-editor.js";
import { element } from "./dom.js";
import { TextOutput } from "./output.js";
import { mountWhenNear } from "./near.js";

/* global LIVE_CELLS_CONFIG, document$ */

const SCRIPT_URL = new URL(import.meta.url);
const RUNTIME_BASE = new URL("./", SCRIPT_URL);
const STORAGE_PREFIX = "live-cell:v1:";
// Output beyond this is counted, not shown: a print in an endless loop must not swamp the page.
const MAX_OUTPUT_CHARS = 200000;

function runtimeConfig() {
  const config = LIVE_CELLS_CONFIG;
  const resolve = (url) => new URL(url, RUNTIME_BASE).href;
  return { ...config, indexURL: resolve(config.indexURL), lockURL: resolve(config.lockURL) };
}

const client = new RuntimeClient(runtimeConfig(), new URL("worker.js", RUNTIME_BASE));
let pageCounter = 0;
let currentCells = [];
let stopShowingPreload = () => {};

function shortHash(text) {
  let hash = 2166136261; // FNV-1a: a stable key for the cell's original code
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return (hash >>> 0).toString(36);
}

class LiveCell {
  constructor(root, index, pageId) {
    this.root = root;
    this.index = index;
    this.pageId = pageId;
    const source = JSON.parse(root.dataset.liveCell);
    this.original = source.code;
    this.setup = source.setup;
    this.options = source.options;
    this.storageKey = `${STORAGE_PREFIX}${location.pathname}:${this.options.id || `${index}-${shortHash(this.original)}`}`;
    this.running = null;
    this.build();
  }

  build() {
    // The bar, the status line and the output area are in the page from the build
    // (site_src/markdown/livecells.py), so taking the cell over moves nothing.
    const title = this.options.title || "Python";
    const part = (name) => this.root.querySelector(`:scope .live-cell__${name}`);
    this.runButton = part("run");
    this.stopButton = part("stop");
    this.resetButton = part("reset");
    this.editorHost = part("editor");
    this.status = part("status");
    this.output = part("output"); // the build's run of the cell, shown until the reader runs it
    for (const [name, value] of Object.entries({ role: "log", "aria-live": "polite", "aria-label": `Output of: ${title}`, tabindex: "0" })) this.output.setAttribute(name, value);
    this.text = new TextOutput(this.output, MAX_OUTPUT_CHARS);

    const saved = localStorage.getItem(this.storageKey);
    // The highlighted code stands in until the reader focuses, edits or runs the cell (lazy-editor.js).
    this.editor = createLazyEditor(this.editorHost, this.root.querySelector(".live-cell__static"), {
      doc: saved ?? this.original,
      readOnly: Boolean(this.options.readonly),
      label: `Python code: ${title}. Shift+Enter runs it.`,
      onRun: () => this.run(),
      onChange: (text) => this.save(text),
    });
    this.root.classList.add("live-cell--mounted");
    if (saved !== null && saved !== this.original) this.setStatus("Your edited version (Reset restores the original).");
    this.runButton.addEventListener("click", () => this.run());
    this.runButton.addEventListener("click", () => this.editor.load());
    this.stopButton.addEventListener("click", () => this.stop("Stopped."));
    this.resetButton.addEventListener("click", () => this.reset());
  }

  save(text) {
    if (text === this.original) localStorage.removeItem(this.storageKey);
    else localStorage.setItem(this.storageKey, text);
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  reset() {
    localStorage.removeItem(this.storageKey);
    this.editor.setText(this.original);
    this.clearOutput();
    this.setStatus("Code restored to the original.");
  }

  appendText(text, kind) {
    this.text.append(text, kind);
  }

  clearOutput() {
    this.text.clear();
    delete this.output.dataset.prerendered;
  }

  appendImage(png, title) {
    const figureNumber = this.output.querySelectorAll("img").length + 1;
    const alt = title ? `Figure ${figureNumber} from this cell: ${title}` : `Figure ${figureNumber} drawn by this cell's code`;
    this.output.append(element("img", { class: "live-cell__image", src: `data:image/png;base64,${png}`, alt }));
  }

  onReply(reply) {
    if (reply.type === "stdout") this.appendText(reply.text, "stdout");
    else if (reply.type === "stderr") this.appendText(reply.text, "stderr");
    else if (reply.type === "image") this.appendImage(reply.png, reply.title);
    else if (reply.type === "progress") this.setStatus(reply.done ? reply.stage : `${reply.stage}…`);
  }

  async run() {
    if (this.running) return;
    this.clearOutput();
    this.root.classList.add("live-cell--running");
    this.runButton.disabled = true;
    this.stopButton.disabled = false;
    this.setStatus(client.ready ? "Running…" : "Starting Python…");
    const limit = this.options.timeout || LIVE_CELLS_CONFIG.timeout;
    let timer = null;
    let started = performance.now();
    const startTimer = () => {
      timer = setTimeout(() => this.stop(`Stopped: the cell ran longer than its time limit of ${limit} s.`), limit * 1000);
    };
    const onReply = (reply) => {
      if (reply.type === "started") {
        // The limit counts the reader's code only, not downloading Python or packages.
        started = performance.now();
        this.setStatus("Running…");
        startTimer();
      } else {
        this.onReply(reply);
      }
    };
    const onInput = (answer) => {
      clearTimeout(timer); // the reader's typing is not the code's running time
      this.askForLine((line) => {
        startTimer();
        answer(line);
      });
    };
    this.running = client.run(
      { pageId: this.pageId, index: this.index + 1, title: this.options.title || "", setup: this.setup, code: this.editor.getText() },
      onReply,
      onInput,
    );
    try {
      const done = await this.running;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (this.stopping) this.setStatus(this.stopping); // interrupted: KeyboardInterrupt is on stderr
      else this.setStatus(done.ok ? `Finished in ${seconds} s.` : `Error: ${done.error}`);
      this.root.dataset.state = this.stopping ? "stopped" : done.ok ? "ok" : "error";
    } catch (error) {
      this.setStatus(this.stopping || `Python failed: ${error.message}`);
      if (!this.stopping) this.appendText(`${error.message}\n`, "stderr");
      this.root.dataset.state = this.stopping ? "stopped" : "error";
    } finally {
      clearTimeout(timer);
      this.output.querySelector(":scope > .live-cell__input")?.remove(); // stopped while input() waited
      this.stopping = null;
      this.running = null;
      this.root.classList.remove("live-cell--running");
      this.runButton.disabled = false;
      this.stopButton.disabled = true;
    }
  }

  /**
   * input() waits: a text field after the prompt in the output; Enter hands its line to `answer`
   * and leaves the line in the output as text, as a terminal echoes it.
   */
  askForLine(answer) {
    const field = element("input", {
      type: "text",
      class: "live-cell__input",
      "aria-label": "Input for the running code: type a line and press Enter",
      autocomplete: "off",
      spellcheck: "false",
    });
    field.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing) return;
      event.preventDefault();
      const line = field.value;
      field.remove();
      this.appendText(`${line}\n`, "stdout");
      this.setStatus("Running…");
      answer(line);
    });
    this.output.append(field);
    this.setStatus("Waiting for your input: type a line in the output and press Enter.");
    field.focus({ preventScroll: true });
  }

  /** Stop this cell's run: set the status first, then ask the runtime (which may restart Python). */
  async stop(message) {
    if (!this.running || this.stopping) return;
    this.stopping = message;
    const { restarted } = await client.stop(message, this.running);
    const note = restarted ? " Python was restarted: run earlier cells again if this one needs their variables." : "";
    this.appendText(`\n${message}${note}\n`, "stderr");
  }
}

function whenVisible(node, callback) {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      observer.disconnect();
      callback();
    }
  });
  observer.observe(node);
}

/** Start Python before any Run; `cell` reports the loading (one announcement, not one per cell). */
function preload(cell) {
  if (client.ready) return;
  stopShowingPreload = client.onProgress((progress) => {
    if (!cell.running) cell.setStatus(progress.done ? progress.stage : `${progress.stage}…`);
  });
  client.ensureStarted().catch(() => {});
}

/**
 * Start Python as soon as the reader shows they may run a cell: the pointer comes over it, or
 * the keyboard focus into it. A reader reaching for Run gains that moment; a reader who only
 * reads downloads nothing. Silently: a status line filling under the pointer would move the page
 * (a Run shows the loading as it goes on).
 */
function startOnIntent(cells) {
  for (const cell of cells) {
    const start = () => {
      cell.root.removeEventListener("pointerenter", start);
      cell.root.removeEventListener("focusin", start);
      client.ensureStarted().catch(() => {});
    };
    cell.root.addEventListener("pointerenter", start);
    cell.root.addEventListener("focusin", start);
  }
}

/* global FENCE_SCRIPTS */
/**
 * [fence name, its elements not mounted yet] of the fences on this page that have a script,
 * js/fences/<name>.js (FENCE_SCRIPTS: fence name -> its element's class, written by
 * site_src/runtime/build.py). A fence's `mount(roots, client, pageId)` marks each root with the
 * class `<class>--mounted` and returns what answers `stop(message)` when the reader leaves the page.
 */
function unmountedFences() {
  return Object.entries(FENCE_SCRIPTS)
    .map(([name, className]) => [name, [...document.querySelectorAll(`.${className}:not(.${className}--mounted)`)]])
    .filter(([, roots]) => roots.length);
}

/**
 * Attach the current page's live cells, fences and figure controls, each when it comes near the
 * viewport (near.js); a new page id gives a fresh Python namespace.
 */
// Each page change starts a new attach; one that resumes after a later page change (a lazy module
// took long to fetch) must not touch the later page's cells.
let attachGeneration = 0;

async function attachCells() {
  const generation = ++attachGeneration;
  const superseded = () => generation !== attachGeneration;
  const roots = [...document.querySelectorAll(".live-cell:not(.live-cell--mounted)")];
  const playgrounds = [...document.querySelectorAll(".tuning-playground:not(.tuning-playground--mounted)")];
  const figures = [...document.querySelectorAll(".result-figure__verify:not(.result-figure__verify--mounted)")];
  for (const cell of currentCells) cell.stop("Stopped: you left the page."); // frees Python for the new page
  currentCells = [];
  stopShowingPreload();
  if (figures.length) {
    // Pages with figures fetch the small rerun control (the cells need not wait for it); Python
    // loads only when a reader clicks it.
    import("./verify-figure.js").then(({ mountVerifyControl }) => {
      if (!superseded()) currentCells.push(mountWhenNear(figures, (root) => mountVerifyControl(root, client)));
    });
  }
  const fences = unmountedFences();
  if (!roots.length && !playgrounds.length && !fences.length) return;
  pageCounter += 1;
  const pageId = `${location.pathname}#${pageCounter}`;
  if (playgrounds.length) {
    const { TuningPlayground } = await import("./playground.js"); // fetched only by the playground page
    if (superseded()) return;
    currentCells = playgrounds.map((root) => new TuningPlayground(root, client, pageId));
  }
  for (const [name, fenceRoots] of fences) {
    const { mount } = await import(`./fences/${name}.js`); // fetched only by pages with this fence
    if (superseded()) return;
    currentCells.push(...mount(fenceRoots, client, pageId));
  }
  if (!roots.length) return;
  currentCells.push(mountWhenNear(roots, (root) => {
    const cell = new LiveCell(root, roots.indexOf(root), pageId);
    currentCells.push(cell);
    if (LIVE_CELLS_CONFIG.load === "visible" && root === roots[0]) whenVisible(root, () => preload(cell));
    else if (LIVE_CELLS_CONFIG.load === "intent") startOnIntent([cell]);
    if (cell.options.autorun) whenVisible(root, () => cell.run());
  }));
}

// Tests and the benchmark read this to prove the runtime is reused across pages.
globalThis.liveCellsRuntime = client;

// A figure opens enlarged over the page (figure-lightbox.js, fetched on the first such click). One
// listener for every page: instant navigation swaps the pages' content under it. A click with a
// modifier key (a new tab, a download) keeps the browser's own meaning.
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a.result-figure__enlarge");
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  import("./figure-lightbox.js").then(({ openFigure }) => openFigure(link));
});

// The footer's "Keep this chapter offline" (offline.js, fetched on the first press).
document.addEventListener("click", (event) => {
  const root = event.target.closest?.(".chapter-offline");
  if (!root || !event.target.closest(".chapter-offline__keep")) return;
  import("./offline.js").then(({ attachOfflineControl }) => attachOfflineControl(root).keep());
});

if (typeof document$ !== "undefined") {
  document$.subscribe(() => attachCells());
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", attachCells);
} else {
  attachCells();
}
