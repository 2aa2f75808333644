// A run's printed output, for live cells and exercises: stdout and stderr as text in <pre> blocks,
// never as HTML (a printed <script> or <img onerror> stays inert), at most `limit` characters
// shown and the rest counted in a note, so that a print in an endless loop cannot swamp the page.
import { element } from "./dom.js";

export class TextOutput {
  /** `area` may already show text (a live cell's output from the build): it counts as shown. */
  constructor(area, limit) {
    this.area = area;
    this.limit = limit;
    this.shown = area.textContent.length;
    this.hidden = 0;
    this.note = null;
  }

  clear() {
    this.area.replaceChildren();
    this.shown = 0;
    this.hidden = 0;
    this.note = null;
  }

  append(text, kind) {
    if (this.shown >= this.limit) {
      this.hidden += text.length;
      this.note.textContent = this.noteText();
      return;
    }
    let last = this.area.lastElementChild;
    if (!last || last.tagName !== "PRE" || last.dataset.kind !== kind) {
      last = element("pre", { class: `live-cell__${kind}`, "data-kind": kind });
      this.area.append(last);
    }
    const shown = text.slice(0, this.limit - this.shown);
    last.append(document.createTextNode(shown)); // a new node: what is there is not re-parsed
    this.shown += shown.length;
    if (shown.length < text.length) {
      this.hidden = text.length - shown.length;
      this.note = element("pre", { class: "live-cell__stderr", "data-kind": "note" }, this.noteText());
      this.area.append(this.note);
    }
  }

  noteText() {
    return `… ${this.hidden.toLocaleString("en")} more characters of output not shown.`;
  }
}
