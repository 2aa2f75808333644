// The tuning playground: the reader sets hyperparameters, presses Train, and watches the loss
// curves and the decision boundary grow epoch by epoch. Python (the engine's `playground` module,
// PLAYGROUND_MODULE, in the shared worker) does the training and streams `data` replies; this
// module only draws them. The page sends no Python source: it `call`s that module's functions with
// JSON arguments.
// Finished runs are kept and compared (playground-runs.js); the settings live in the address
// (playground-settings.js); "Copy as code" shows the engine's own Python for the settings.
// Charts are plain SVG/canvas drawn here: loading matplotlib for every epoch would be far too slow.

/* global PLAYGROUND_MODULE */

const SVG_NS = "http://www.w3.org/2000/svg";
import palette from "../../figures/palette.json";
import { element } from "./dom.js";
import { CONTROLS, defaults, settingsFromSearch, urlWithSettings } from "./playground-settings.js";
import { RunStore, RunTable, bestRun, fixed, percent, runColour, runRecord } from "./playground-runs.js";

// The chapter's one palette (Okabe-Ito, colour-blind-safe), the figures' colours for each role.
const rgb = (hex) => [1, 3, 5].map((start) => parseInt(hex.slice(start, start + 2), 16));
const ROLES = palette.roles;
const COLORS = { best: ROLES.best, pass: rgb(ROLES.pass), fail: rgb(ROLES.fail) };

function svgElement(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/**
 * Training (solid) and validation (dashed) loss per epoch of several runs: the one training now
 * and the finished runs the reader ticked. Each run has its palette colour and its number written
 * at the end of its validation curve (so the colour is never the only clue).
 */
// The chart keeps these proportions (its height follows the width the page gives it) and draws in
// CSS pixels, so its text is TEXT_PX at every width (a fixed 480-unit drawing shrunk to a phone's
// column set it at 8 px).
const CHART_SHAPE = { width: 480, height: 260 };
const TEXT_PX = 11;

class LossChart {
  constructor(host) {
    this.width = CHART_SHAPE.width;
    this.height = CHART_SHAPE.height;
    this.margin = { left: 48, right: 30, top: 12, bottom: 36 };
    this.svg = svgElement("svg", { viewBox: `0 0 ${this.width} ${this.height}`, class: "tuning-playground__chart", role: "img", "aria-label": "Training and validation loss per epoch (no run yet)" });
    host.append(this.svg);
    this.series = []; // [{number, epochs, train: [loss|null by epoch], val: [...]}]
    this.best = null;
    this.epochs = 100;
    this.yMax = 1;
    // Redrawn in the width it is given: the viewBox keeps the shape, so the box does not change
    // (and the observer does not fire again).
    new ResizeObserver(([entry]) => this.fit(entry.contentRect.width)).observe(this.svg);
    this.draw();
  }

  fit(width) {
    if (!width || Math.abs(width - this.width) < 0.5) return;
    this.width = width;
    this.height = (width * CHART_SHAPE.height) / CHART_SHAPE.width;
    this.svg.setAttribute("viewBox", `0 0 ${this.width} ${this.height}`);
    this.draw();
  }

  /** What to draw: `series` as above; `best` = {number, epoch} of the run marked best, or null. */
  show(series, best) {
    this.series = series;
    this.best = best;
    this.epochs = Math.max(1, ...series.map((run) => run.epochs));
    const losses = series.flatMap((run) => [...run.train, ...run.val]).filter((value) => value != null);
    this.yMax = Math.min(Math.ceil(Math.max(1, ...losses) * 2) / 2, 5);
    this.draw();
  }

  x(epoch) {
    return this.margin.left + (epoch / this.epochs) * (this.width - this.margin.left - this.margin.right);
  }

  y(loss) {
    const clipped = Math.min(loss, this.yMax);
    return this.height - this.margin.bottom - (clipped / this.yMax) * (this.height - this.margin.top - this.margin.bottom);
  }

  draw() {
    this.svg.replaceChildren();
    this.axes();
    if (this.best) {
      const x = this.x(this.best.epoch);
      this.svg.append(svgElement("line", { x1: x, x2: x, y1: this.margin.top, y2: this.height - this.margin.bottom, stroke: COLORS.best, "stroke-dasharray": "4 3", class: "tuning-playground__best-epoch" }));
    }
    for (const run of this.series) this.drawRun(run);
    this.legend();
  }

  axes() {
    const { left, bottom } = this.margin;
    const axis = { stroke: "currentColor", "stroke-width": 1 };
    this.svg.append(svgElement("line", { x1: left, x2: this.width - this.margin.right, y1: this.height - bottom, y2: this.height - bottom, ...axis }));
    this.svg.append(svgElement("line", { x1: left, x2: left, y1: this.margin.top, y2: this.height - bottom, ...axis }));
    for (let tick = 0; tick <= 4; tick += 1) {
      const value = (this.yMax * tick) / 4;
      this.label(left - 6, this.y(value) + 4, value.toFixed(2), "end");
      const epoch = Math.round((this.epochs * tick) / 4);
      this.label(this.x(epoch), this.height - bottom + 16, String(epoch), "middle");
    }
    this.label((left + this.width) / 2, this.height - 4, "epoch", "middle");
    const yTitle = this.label(12, this.height / 2, "loss (cross-entropy)", "middle");
    yTitle.setAttribute("transform", `rotate(-90 12 ${this.height / 2})`);
  }

  drawRun(run) {
    const group = svgElement("g", { class: "tuning-playground__run", "data-run": run.number });
    const colour = runColour(run.number);
    let end = null;
    for (const kind of ["train", "val"]) {
      const points = run[kind].map((loss, epoch) => [epoch, loss]).filter(([, loss]) => loss != null);
      const path = points.map(([epoch, loss], i) => `${i ? "L" : "M"}${this.x(epoch).toFixed(1)},${this.y(loss).toFixed(1)}`).join("");
      if (path) group.append(svgElement("path", { d: path, fill: "none", stroke: colour, "stroke-width": 2, "stroke-dasharray": kind === "val" ? "6 3" : "" }));
      if (kind === "val" && points.length) end = points.at(-1);
    }
    if (end) {
      const star = this.best && this.best.number === run.number ? " ★" : "";
      group.append(this.label(this.x(end[0]) + 3, this.y(end[1]) + 4, `#${run.number}${star}`, "start", false));
    }
    this.svg.append(group);
  }

  label(x, y, text, anchor, append = true) {
    const node = svgElement("text", { x, y, "text-anchor": anchor, "font-size": TEXT_PX, fill: "currentColor" });
    node.textContent = text;
    if (append) this.svg.append(node);
    return node;
  }

  legend() {
    const entries = [["", "training loss (solid)"], ["6 3", "validation loss (dashed)"]];
    entries.forEach(([dashes, text], i) => {
      const y = this.margin.top + 10 + i * 16;
      const x = this.width - this.margin.right - 150;
      this.svg.append(svgElement("line", { x1: x, x2: x + 22, y1: y - 4, y2: y - 4, stroke: "currentColor", "stroke-width": 2, "stroke-dasharray": dashes }));
      this.label(x + 28, y, text, "start");
    });
  }

  describe(summary) {
    this.svg.setAttribute("aria-label", summary);
  }
}

/** The decision boundary: pass probability on the hour grid, with the training students on top. */
class BoundaryView {
  constructor(host) {
    const figure = element("figure", { class: "tuning-playground__boundary-figure" });
    this.canvas = element("canvas", { width: 260, height: 260, class: "tuning-playground__boundary", role: "img", "aria-label": "Decision boundary (no run yet)" });
    figure.append(this.canvas, element("figcaption", {}, "Across: hours studied (0–10 h). Up: hours slept (3–11 h). Blue: predicted pass; orange: fail."));
    host.append(figure);
    this.points = null;
    this.grid = null;
  }

  start(points, grid) {
    this.points = points;
    this.grid = grid;
  }

  draw(probability) {
    const context = this.canvas.getContext("2d");
    const size = probability.length;
    const image = context.createImageData(size, size);
    probability.forEach((row, r) => {
      row.forEach((p, c) => {
        // row 0 = fewest hours slept: draw it at the bottom
        const offset = 4 * ((size - 1 - r) * size + c);
        const mix = (channel) => Math.round(COLORS.fail[channel] + p * (COLORS.pass[channel] - COLORS.fail[channel]));
        image.data.set([mix(0), mix(1), mix(2), 150], offset);
      });
    });
    const scratch = element("canvas", { width: size, height: size });
    scratch.getContext("2d").putImageData(image, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    context.imageSmoothingEnabled = true;
    context.drawImage(scratch, 0, 0, this.canvas.width, this.canvas.height);
    this.drawPoints(context);
  }

  drawPoints(context) {
    if (!this.points) return;
    const [s0, s1] = [this.grid.studied[0], this.grid.studied.at(-1)];
    const [l0, l1] = [this.grid.slept[0], this.grid.slept.at(-1)];
    const { studied, slept, passed } = this.points;
    for (let i = 0; i < studied.length; i += 1) {
      const x = ((studied[i] - s0) / (s1 - s0)) * this.canvas.width;
      const y = this.canvas.height - ((slept[i] - l0) / (l1 - l0)) * this.canvas.height;
      context.beginPath();
      context.arc(x, y, 2.5, 0, 2 * Math.PI);
      context.fillStyle = passed[i] ? ROLES.pass_point : ROLES.fail_point;
      context.fill();
    }
  }
}

export class TuningPlayground {
  /**
   * @param {HTMLElement} root   the `.tuning-playground` placeholder written in the page
   * @param {object} client      the shared RuntimeClient (one Python worker for the whole site)
   * @param {string} pageId      the page's namespace id
   */
  constructor(root, client, pageId) {
    this.root = root;
    this.client = client;
    this.pageId = pageId;
    this.running = null;
    this.live = null; // the run training now: {number, epochs, train, val}
    this.store = new RunStore();
    this.build();
    this.restoreFromURL();
    this.redraw();
  }

  build() {
    this.root.replaceChildren();
    const form = element("form", { class: "tuning-playground__controls", "aria-label": "Hyperparameters" });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.train();
    });
    this.urlProblems = element("div", { class: "tuning-playground__url-problems", role: "alert", hidden: "" });
    this.controls = {};
    for (const control of CONTROLS) form.append(control.kind === "slider" ? this.sliderControl(control) : this.selectControl(control));
    form.addEventListener("change", () => this.settingsChanged());
    form.append(this.buttons());
    this.status = element("p", { class: "tuning-playground__status", role: "status", "aria-live": "polite" }, "Choose settings and press Train. Python loads on the first run.");
    this.link = element("a", { class: "tuning-playground__link", href: location.href }, "Link to these settings");
    const views = element("div", { class: "tuning-playground__views" });
    this.chart = new LossChart(views);
    this.boundary = new BoundaryView(views);
    this.errors = element("pre", { class: "tuning-playground__errors", hidden: "" });
    const tableHost = element("div");
    this.table = new RunTable(tableHost, () => (this.store.save(), this.redraw()), (run) => this.useSettings(run));
    this.code = element("pre", { class: "tuning-playground__code", hidden: "" });
    this.root.append(this.urlProblems, form, this.status, this.link, views, this.errors, tableHost, this.code);
    this.root.classList.add("tuning-playground--mounted");
  }

  buttons() {
    const buttons = element("div", { class: "tuning-playground__buttons" });
    const button = (text, onClick, extra = {}) => {
      const node = element("button", { type: "button", class: "md-button", ...extra }, text);
      if (onClick) node.addEventListener("click", onClick);
      buttons.append(node);
      return node;
    };
    this.trainButton = button("Train", null, { type: "submit", class: "md-button md-button--primary" });
    this.stopButton = button("Stop", () => this.stop(), { disabled: "" });
    this.copyButton = button("Copy as code", () => this.copyCode());
    this.clearButton = button("Clear runs", () => this.clearRuns());
    return buttons;
  }

  sliderControl(control) {
    const wrapper = element("label", { class: "tuning-playground__field" });
    const index = control.choices.findIndex(([value]) => value === control.default);
    const input = element("input", { type: "range", min: 0, max: control.choices.length - 1, step: 1, value: index, name: control.name });
    const shown = element("output", { class: "tuning-playground__value" });
    const update = () => {
      const [, text] = control.choices[Number(input.value)];
      shown.textContent = text;
      input.setAttribute("aria-valuetext", `${control.label.toLowerCase()} ${text}`);
    };
    input.addEventListener("input", () => (update(), this.settingsChanged()));
    update();
    this.controls[control.name] = {
      read: () => control.choices[Number(input.value)][0],
      write: (value) => ((input.value = String(control.choices.findIndex(([choice]) => choice === value))), update()),
    };
    wrapper.append(element("span", {}, control.label), input, shown);
    return wrapper;
  }

  selectControl(control) {
    const wrapper = element("label", { class: "tuning-playground__field" });
    const select = element("select", { name: control.name });
    for (const [value, text] of control.choices) {
      const option = element("option", { value: String(value) }, text);
      if (value === control.default) option.selected = true;
      select.append(option);
    }
    this.controls[control.name] = {
      read: () => (typeof control.default === "string" ? select.value : Number(select.value)),
      write: (value) => (select.value = String(value)),
    };
    wrapper.append(element("span", {}, control.label), select);
    return wrapper;
  }

  settings() {
    return Object.fromEntries(Object.entries(this.controls).map(([name, control]) => [name, control.read()]));
  }

  /** Settings from the page's address; invalid ones are named, with what they accept. */
  restoreFromURL() {
    const { settings, problems } = settingsFromSearch(location.search);
    for (const [name, value] of Object.entries(settings)) this.controls[name].write(value);
    this.urlProblems.hidden = problems.length === 0;
    this.urlProblems.replaceChildren(...problems.map((text) => element("p", {}, text)));
    this.link.href = urlWithSettings(location.href, { ...defaults(), ...this.settings() });
  }

  /** Put a kept run's settings back in the form (and the address), ready to train or change. */
  useSettings(run) {
    for (const [name, value] of Object.entries(run.settings)) this.controls[name]?.write(value);
    this.settingsChanged();
    this.status.textContent = `The form holds the settings of run #${run.number}: press Train to run them again.`;
    this.trainButton.focus();
  }

  /** Keep the address in step with the form, so it can be shared or bookmarked. */
  settingsChanged() {
    const url = urlWithSettings(location.href, this.settings());
    if (url !== location.href) history.replaceState(history.state, "", url);
    this.link.href = url;
    this.code.hidden = true; // it described the settings before this change
  }

  /** The chart shows the ticked runs and the one training now; the best run's best epoch is marked. */
  redraw() {
    const runs = this.store.runs;
    const best = bestRun(runs);
    const shown = runs.filter((run) => run.shown).map((run) => ({ number: run.number, epochs: run.settings.epochs, ...run.curves }));
    if (this.live) shown.push(this.live);
    this.chart.show(shown, best && best.shown ? { number: best.number, epoch: best.best_epoch } : null);
    this.table.render(runs);
    this.clearButton.disabled = runs.length === 0;
    if (this.store.problem) this.status.textContent = this.store.problem;
  }

  clearRuns() {
    this.store.clear();
    this.redraw();
    this.status.textContent = "Runs cleared.";
  }

  onData(message) {
    if (message.kind === "start") {
      this.boundary.start(message.points, message.grid);
    } else if (message.kind === "epoch") {
      this.live.train[message.epoch] = message.train_loss;
      this.live.val[message.epoch] = message.val_loss;
      this.lastEpoch = message;
      this.scheduleDraw();
    } else if (message.kind === "boundary") {
      this.boundary.draw(message.probability);
    } else if (message.kind === "done") {
      this.finish(message);
    }
  }

  scheduleDraw() {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      if (this.finished) return; // the final summary (or Stop's or the error's status), drawn already, stays
      this.redraw();
      const e = this.lastEpoch;
      this.status.textContent = `Epoch ${e.epoch} of ${this.live.epochs} (run #${this.live.number}): validation loss ${fixed(e.val_loss)}, validation accuracy ${percent(e.val_acc)}`;
    });
  }

  finish(done) {
    this.finished = true;
    const live = this.live;
    this.live = null;
    this.store.add(runRecord(live.number, live.settings, done, live));
    this.redraw();
    // Short enough for two lines at 1280 px and four on a phone: the status keeps one height
    // (playground.css); the table has the rest.
    const why = {
      completed: `Trained all ${done.stopped_epoch} epochs.`,
      early_stopping: `Early stopping at epoch ${done.stopped_epoch}, weights of epoch ${done.best_epoch} restored.`,
      diverged: `Training diverged at epoch ${done.diverged_epoch}: try a smaller learning rate.`,
      callback: `Stopped at epoch ${done.stopped_epoch}.`,
    }[done.stop_reason];
    const best = `Best epoch ${done.best_epoch} (lowest validation loss): loss ${fixed(done.best_val_loss)}, accuracy ${percent(done.best_val_acc)}.`;
    const isBest = bestRun(this.store.runs)?.number === live.number ? " ★ Your best run so far." : "";
    this.status.textContent = `Run #${live.number}: ${why} ${best}${isBest}`;
    this.chart.describe(`Training and validation loss per epoch of the runs ticked in the table. Run #${live.number}: ${why} ${best}`);
    this.boundary.canvas.setAttribute("aria-label", `Decision boundary after run #${live.number}: ${best}`);
  }

  async train() {
    if (this.running) return;
    const settings = this.settings();
    this.finished = false;
    this.live = { number: this.store.next, epochs: settings.epochs, settings, train: [], val: [] };
    this.store.next += 1;
    this.redraw();
    this.errors.hidden = true;
    this.errors.textContent = "";
    this.trainButton.disabled = true;
    this.stopButton.disabled = false;
    this.status.textContent = this.client.ready ? "Training…" : "Starting Python…";
    const onReply = (reply) => {
      if (reply.type === "data") this.onData(JSON.parse(reply.json));
      else if (reply.type === "stderr") this.showError(reply.text);
      else if (reply.type === "progress") this.status.textContent = reply.done ? reply.stage : `${reply.stage}…`;
      else if (reply.type === "started") this.status.textContent = "Training…";
    };
    this.running = this.client.call({ module: PLAYGROUND_MODULE, function: "stream_training", args: { settings } }, onReply);
    try {
      const done = await this.running;
      if (!done.ok && !this.stopping) this.status.textContent = `Error: ${done.error}`;
    } catch (error) {
      if (!this.stopping) this.showError(`${error.message}\n`);
    } finally {
      if (this.stopping) this.status.textContent = this.stopping;
      // The run is over: a draw its last epoch scheduled for the next frame must not replace this
      // status (a Stop right after an epoch arrived left "Epoch n of …" showing, not "Stopped.").
      this.finished = true;
      this.stopping = null;
      this.running = null; // a stopped run's curves stay drawn (not kept) until the next Train
      this.redraw();
      this.trainButton.disabled = false;
      this.stopButton.disabled = true;
    }
  }

  /** Show (and copy) the live-cell Python that trains exactly these settings, written by the engine. */
  async copyCode() {
    const settings = this.settings();
    this.status.textContent = this.client.ready ? "Writing the code…" : "Starting Python to write the code…";
    let code = "";
    try {
      const done = await this.client.call({ module: PLAYGROUND_MODULE, function: "settings_code", args: { settings } }, (reply) => {
        if (reply.type === "result") code = JSON.parse(reply.json);
        else if (reply.type === "stderr") this.showError(reply.text);
      });
      if (!done.ok) throw new Error(done.error);
    } catch (error) {
      this.status.textContent = `Error: ${error.message}`;
      return;
    }
    this.code.textContent = code; // text, never HTML
    this.code.hidden = false;
    const where = "Paste it into a live cell (e.g. on the Python sandbox page) to train this run.";
    try {
      await navigator.clipboard.writeText(code);
      this.status.textContent = `Copied the Python for these settings (shown below). ${where}`;
    } catch {
      this.status.textContent = `This browser did not allow copying: select the Python below and copy it. ${where}`;
    }
  }

  showError(text) {
    this.errors.hidden = false;
    this.errors.textContent += text; // text, never HTML
  }

  async stop(message = "Stopped.") {
    if (!this.running || this.stopping) return;
    this.stopping = `${message} The curves show the epochs trained so far.`;
    await this.client.stop(message, this.running);
  }
}
