// The playground's finished runs: kept in this browser (localStorage) and listed in a table,
// one row per run, with a checkbox that overlays the run's curves on the chart. The best run
// (lowest validation loss at its best epoch) is marked in text, "★ best", not by colour alone.
// Seven columns, the numbers under two group headings, fit a laptop's text column without
// scrolling (at 1280 px: Final accuracy, Stopped at and Diverged used to hide behind a scroll).
import palette from "../../figures/palette.json";
import { element } from "./dom.js";
import { describeSettings } from "./playground-settings.js";

const STORAGE_KEY = "tuning-playground-runs/v1";
const MAX_RUNS = 12; // about 20 KB a run: well inside the browser's storage quota
// The figures' colour cycle without yellow and black (too faint on white, invisible on slate).
const RUN_COLOURS = palette.cycle.filter((name) => name !== "yellow" && name !== "black").map((name) => palette.okabe_ito[name]);

export const percent = (value) => (value == null ? "–" : `${(100 * value).toFixed(1)} %`);
// A diverged run's loss runs to five digits and more: three significant figures say it, in a
// column narrow enough for the table to fit a laptop's text column.
export const fixed = (value) => (value == null ? "–" : Math.abs(value) >= 1000 ? value.toExponential(2) : value.toFixed(4));

/** The colour of run `number` (1, 2, ...): the figures' palette, in turn. */
export function runColour(number) {
  return RUN_COLOURS[(number - 1) % RUN_COLOURS.length];
}

/** The run with the lowest best validation loss (null: none has one). */
export function bestRun(runs) {
  return runs.reduce((best, run) => (run.best_val_loss != null && (best == null || run.best_val_loss < best.best_val_loss) ? run : best), null);
}

/** The runs and the number the next one gets, saved in localStorage after every change. */
export class RunStore {
  constructor() {
    this.runs = [];
    this.next = 1;
    this.problem = "";
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.runs) && Number.isInteger(saved.next)) {
        // An entry this version cannot draw (edited by hand, or another shape) is left out.
        this.runs = saved.runs.filter((run) => Number.isInteger(run?.number) && run.settings && run.curves && Array.isArray(run.curves.val));
        this.next = saved.next;
      }
    } catch (error) {
      this.problem = `Your earlier runs could not be read (${error.message}); new runs start a fresh list.`;
    }
  }

  save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ runs: this.runs, next: this.next }));
      this.problem = "";
    } catch (error) {
      this.problem = `Runs are not kept after a reload: this browser refused to store them (${error.message}).`;
    }
  }

  add(run) {
    this.runs.push(run);
    if (this.runs.length > MAX_RUNS) this.runs.splice(0, this.runs.length - MAX_RUNS);
    this.save();
  }

  clear() {
    this.runs = [];
    this.next = 1;
    this.save();
  }
}

/** A finished run as stored: settings, the `done` message's numbers, curves for the chart. */
export function runRecord(number, settings, done, curves) {
  const keep = ["stop_reason", "stopped_epoch", "best_epoch", "diverged", "diverged_epoch", "best_val_loss", "best_val_acc", "final_train_loss", "final_val_loss", "final_val_acc"];
  const compact = (values) => values.map((value) => (value == null ? null : Number(value.toPrecision(4))));
  return { number, settings, shown: true, ...Object.fromEntries(keep.map((key) => [key, done[key]])), curves: { train: compact(curves.train), val: compact(curves.val) } };
}

/** The table of runs; `onToggle(run)` after a checkbox changes, `onUse(run)` to train its settings again. */
export class RunTable {
  constructor(host, onToggle, onUse) {
    this.onToggle = onToggle;
    this.onUse = onUse;
    this.note = element("p", { class: "tuning-playground__runs-note" }, "Your runs are kept in this browser. Tick a run to draw its curves. A run's best epoch is the one with the lowest validation loss (the weights early stopping keeps); ★ best marks the run whose best epoch is lowest of all.");
    this.wrapper = element("div", { class: "tuning-playground__runs" });
    this.table = element("table", { class: "tuning-playground__runs-table" });
    this.wrapper.append(this.table);
    host.append(this.note, this.wrapper);
  }

  render(runs) {
    this.wrapper.hidden = this.note.hidden = runs.length === 0;
    const best = bestRun(runs);
    const caption = element("caption", {}, "Your runs, newest first");
    const head = element("thead");
    const heading = (text, span = {}) => element("th", { scope: span.colspan ? "colgroup" : "col", ...span }, text);
    const columnGroups = [1, 1, 1, 3, 2, 1, 1].map((span) => element("colgroup", { span: String(span) }));
    head.append(
      this.row([
        heading("Show", { rowspan: "2" }), heading("Run", { rowspan: "2" }), heading("Settings (changed from the defaults)", { rowspan: "2" }),
        heading("Best epoch (lowest validation loss)", { colspan: "3" }), heading("Final epoch (validation)", { colspan: "2" }),
        heading("Stopped at epoch", { rowspan: "2" }), heading("Diverged", { rowspan: "2" }),
      ]),
      this.row(["Epoch", "Loss", "Accuracy", "Loss", "Accuracy"].map((text) => heading(text))),
    );
    const body = element("tbody");
    for (const run of [...runs].reverse()) body.append(this.runRow(run, run === best));
    this.table.replaceChildren(caption, ...columnGroups, head, body);
  }

  row(cells) {
    const tr = element("tr");
    tr.append(...cells);
    return tr;
  }

  runRow(run, isBest) {
    const box = element("input", { type: "checkbox", "aria-label": `Show run ${run.number} in the chart` });
    box.checked = run.shown;
    box.addEventListener("change", () => {
      run.shown = box.checked;
      this.onToggle(run);
    });
    const name = element("th", { scope: "row", class: "tuning-playground__run-name" });
    name.append(element("span", { class: "tuning-playground__swatch", style: `background:${runColour(run.number)}`, "aria-hidden": "true" }), `#${run.number}`);
    if (isBest) name.append(element("span", { class: "tuning-playground__best" }, " ★ best"));
    const use = element("button", { type: "button", class: "tuning-playground__use", "aria-label": `Use settings of run ${run.number}` }, "Use settings");
    use.addEventListener("click", () => this.onUse(run));
    name.append(use);
    const number = (value, text) => element("td", { class: "tuning-playground__number", "data-value": value == null ? "" : String(value) }, text);
    const diverged = run.diverged ? `yes, at epoch ${run.diverged_epoch}` : "no";
    return this.row([
      this.cell(box), name, element("td", {}, describeSettings(run.settings, { onlyChanged: true })),
      element("td", { class: "tuning-playground__epoch" }, String(run.best_epoch)),
      number(run.best_val_loss, fixed(run.best_val_loss)), number(run.best_val_acc, percent(run.best_val_acc)),
      number(run.final_val_loss, fixed(run.final_val_loss)), number(run.final_val_acc, percent(run.final_val_acc)),
      number(run.stopped_epoch, String(run.stopped_epoch)), element("td", {}, diverged),
    ]);
  }

  cell(child) {
    const td = element("td");
    td.append(child);
    return td;
  }
}
