// The tuning playground: the reader sets hyperparameters, presses Train, and watches the loss
// curves and the decision boundary grow epoch by epoch. Python (lesson.playground, in the shared
// worker) does the training and streams `data` replies; this module only draws them.
// Charts are plain SVG/canvas drawn here: loading matplotlib for every epoch would be far too slow.

const SVG_NS = "http://www.w3.org/2000/svg";
import palette from "../../figures/palette.json";

// The chapter's one palette (Okabe-Ito, colour-blind-safe), the figures' colours for each role.
const rgb = (hex) => [1, 3, 5].map((start) => parseInt(hex.slice(start, start + 2), 16));
const ROLES = palette.roles;
const COLORS = { train: ROLES.train, val: ROLES.validation, best: ROLES.best, pass: rgb(ROLES.pass), fail: rgb(ROLES.fail) };
const LR_EXPONENTS = { min: -4, max: 2, step: 0.25 }; // learning rate 1e-4 .. 100 on a log slider (divergence starts near 15)

/** The controls: [setting name, label, choices (value, text)] or a log slider for the learning rate. */
const CHOICES = [
  ["hidden_neurons", "Hidden neurons", [1, 2, 4, 8, 16, 32, 64].map((n) => [n, String(n)]), 8],
  ["hidden_layers", "Hidden layers", [1, 2, 3].map((n) => [n, String(n)]), 1],
  ["activation", "Activation", ["tanh", "relu", "sigmoid"].map((name) => [name, name]), "tanh"],
  ["batch_size", "Batch size", [[1, "1"], [4, "4"], [16, "16"], [64, "64"], [100000, "all (full batch)"]], 16],
  ["epochs", "Epochs", [20, 50, 100, 200, 500, 1000].map((n) => [n, String(n)]), 100],
  ["patience", "Early stopping patience", [[0, "off"], [5, "5 epochs"], [10, "10 epochs"], [20, "20 epochs"], [50, "50 epochs"]], 0],
  ["momentum", "Momentum", [0, 0.5, 0.9].map((m) => [m, String(m)]), 0],
  ["n_train", "Training students", [40, 100, 400, 1000].map((n) => [n, String(n)]), 400],
  ["label_noise", "Label noise", [[0, "none"], [0.02, "2 %"], [0.1, "10 %"], [0.2, "20 %"]], 0.02],
  ["seed", "Random seed", [0, 1, 2, 3, 4].map((n) => [n, String(n)]), 0],
];

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function svgElement(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function learningRateFrom(exponent) {
  return Number(Math.pow(10, exponent).toPrecision(2));
}

const percent = (value) => (value == null ? "–" : `${(100 * value).toFixed(1)} %`);
const fixed = (value) => (value == null ? "–" : value.toFixed(3));

/** A live line chart of training and validation loss per epoch. */
class LossChart {
  constructor(host) {
    this.width = 480;
    this.height = 260;
    this.margin = { left: 48, right: 12, top: 12, bottom: 36 };
    this.svg = svgElement("svg", { viewBox: `0 0 ${this.width} ${this.height}`, class: "tuning-playground__chart", role: "img", "aria-label": "Training and validation loss per epoch (no run yet)" });
    host.append(this.svg);
    this.reset(100);
  }

  reset(epochs) {
    this.epochs = epochs;
    this.points = { train: [], val: [] };
    this.yMax = 1;
    this.best = null;
    this.draw();
  }

  add(record) {
    for (const kind of ["train", "val"]) {
      const value = record[`${kind}_loss`];
      if (value != null) this.points[kind].push([record.epoch, value]);
      if (value != null && value > this.yMax) this.yMax = Math.min(Math.ceil(value * 2) / 2, 5);
    }
  }

  x(epoch) {
    return this.margin.left + (epoch / Math.max(this.epochs, 1)) * (this.width - this.margin.left - this.margin.right);
  }

  y(loss) {
    const clipped = Math.min(loss, this.yMax);
    return this.height - this.margin.bottom - (clipped / this.yMax) * (this.height - this.margin.top - this.margin.bottom);
  }

  draw() {
    this.svg.replaceChildren();
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
    if (this.best != null) {
      this.svg.append(svgElement("line", { x1: this.x(this.best), x2: this.x(this.best), y1: this.margin.top, y2: this.height - bottom, stroke: COLORS.best, "stroke-dasharray": "4 3" }));
    }
    for (const kind of ["train", "val"]) {
      const path = this.points[kind].map(([epoch, loss], i) => `${i ? "L" : "M"}${this.x(epoch).toFixed(1)},${this.y(loss).toFixed(1)}`).join("");
      if (path) this.svg.append(svgElement("path", { d: path, fill: "none", stroke: COLORS[kind], "stroke-width": 2, "stroke-dasharray": kind === "val" ? "6 3" : "" }));
    }
    this.legend();
  }

  label(x, y, text, anchor) {
    const node = svgElement("text", { x, y, "text-anchor": anchor, "font-size": 11, fill: "currentColor" });
    node.textContent = text;
    this.svg.append(node);
    return node;
  }

  legend() {
    const entries = [["train", "training loss"], ["val", "validation loss"]];
    entries.forEach(([kind, text], i) => {
      const y = this.margin.top + 10 + i * 16;
      const x = this.width - this.margin.right - 130;
      this.svg.append(svgElement("line", { x1: x, x2: x + 22, y1: y - 4, y2: y - 4, stroke: COLORS[kind], "stroke-width": 2, "stroke-dasharray": kind === "val" ? "6 3" : "" }));
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
    this.build();
  }

  build() {
    this.root.replaceChildren();
    const form = element("form", { class: "tuning-playground__controls", "aria-label": "Hyperparameters" });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.train();
    });
    this.inputs = {};
    form.append(this.learningRateControl());
    for (const [name, label, choices, initial] of CHOICES) form.append(this.selectControl(name, label, choices, initial));
    const buttons = element("div", { class: "tuning-playground__buttons" });
    this.trainButton = element("button", { type: "submit", class: "md-button md-button--primary" }, "Train");
    this.stopButton = element("button", { type: "button", class: "md-button", disabled: "" }, "Stop");
    this.stopButton.addEventListener("click", () => this.stop());
    buttons.append(this.trainButton, this.stopButton);
    form.append(buttons);
    this.status = element("p", { class: "tuning-playground__status", role: "status", "aria-live": "polite" }, "Choose settings and press Train. Python loads on the first run.");
    const views = element("div", { class: "tuning-playground__views" });
    this.chart = new LossChart(views);
    this.boundary = new BoundaryView(views);
    this.errors = element("pre", { class: "tuning-playground__errors", hidden: "" });
    this.root.append(form, this.status, views, this.errors);
    this.root.classList.add("tuning-playground--mounted");
  }

  learningRateControl() {
    const wrapper = element("label", { class: "tuning-playground__field" });
    const caption = element("span", {}, "Learning rate");
    const input = element("input", { type: "range", min: LR_EXPONENTS.min, max: LR_EXPONENTS.max, step: LR_EXPONENTS.step, value: Math.log10(0.3).toFixed(2), name: "learning_rate" });
    const shown = element("output", { class: "tuning-playground__value" });
    const update = () => {
      const rate = learningRateFrom(Number(input.value));
      shown.textContent = String(rate);
      input.setAttribute("aria-valuetext", `learning rate ${rate}`);
    };
    input.addEventListener("input", update);
    update();
    this.inputs.learning_rate = () => learningRateFrom(Number(input.value));
    wrapper.append(caption, input, shown);
    return wrapper;
  }

  selectControl(name, label, choices, initial) {
    const wrapper = element("label", { class: "tuning-playground__field" });
    const select = element("select", { name });
    for (const [value, text] of choices) {
      const option = element("option", { value: String(value) }, text);
      if (value === initial) option.selected = true;
      select.append(option);
    }
    this.inputs[name] = () => (name === "activation" ? select.value : Number(select.value));
    wrapper.append(element("span", {}, label), select);
    return wrapper;
  }

  settings() {
    return Object.fromEntries(Object.entries(this.inputs).map(([name, read]) => [name, read()]));
  }

  /** The Python the worker runs: the engine's own streaming trainer, fed the form as JSON. */
  code(settings) {
    const json = JSON.stringify(JSON.stringify(settings)); // a JSON string literal is a valid Python literal
    return `import json\nfrom lesson.playground import stream_training\nfrom livecells_runner import send_data\nstream_training(json.loads(${json}), send_data)\n`;
  }

  onData(message) {
    if (message.kind === "start") {
      this.boundary.start(message.points, message.grid);
    } else if (message.kind === "epoch") {
      this.chart.add(message);
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
      this.chart.draw();
      if (this.finished) return; // the final summary, drawn already, stays
      const e = this.lastEpoch;
      this.status.textContent = `Epoch ${e.epoch} of ${this.chart.epochs}: validation loss ${fixed(e.val_loss)}, validation accuracy ${percent(e.val_acc)}`;
    });
  }

  finish(done) {
    this.finished = true;
    this.chart.best = done.best_epoch;
    this.chart.draw();
    const why = {
      completed: `Trained all ${done.stopped_epoch} epochs.`,
      early_stopping: `Early stopping ended training at epoch ${done.stopped_epoch}; the weights of epoch ${done.best_epoch} were restored.`,
      diverged: `Training diverged at epoch ${done.diverged_epoch}: the loss exploded. Try a smaller learning rate.`,
      callback: `Stopped at epoch ${done.stopped_epoch}.`,
    }[done.stop_reason];
    const best = `Best epoch ${done.best_epoch}: validation loss ${fixed(done.best_val_loss)}, accuracy ${percent(done.best_val_acc)}.`;
    this.status.textContent = `${why} ${best}`;
    this.chart.describe(`Training and validation loss per epoch. ${why} ${best}`);
    this.boundary.canvas.setAttribute("aria-label", `Decision boundary after training: ${best}`);
  }

  async train() {
    if (this.running) return;
    const settings = this.settings();
    this.finished = false;
    this.chart.reset(settings.epochs);
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
    this.running = this.client.run({ pageId: this.pageId, index: 0, title: "tuning playground", setup: "", code: this.code(settings) }, onReply);
    try {
      const done = await this.running;
      if (!done.ok && !this.stopping) this.status.textContent = `Error: ${done.error}`;
    } catch (error) {
      if (!this.stopping) this.showError(`${error.message}\n`);
    } finally {
      if (this.stopping) this.status.textContent = this.stopping;
      this.stopping = null;
      this.running = null;
      this.trainButton.disabled = false;
      this.stopButton.disabled = true;
    }
  }

  showError(text) {
    this.errors.hidden = false;
    this.errors.textContent += text; // text, never HTML
  }

  async stop(message = "Stopped.") {
    if (!this.running || this.stopping) return;
    this.stopping = `${message} The curves show the epochs trained so far.`;
    await this.client.stop(message);
  }
}
