// "Rerun in your browser" beside each figure's data download: reruns the experiment that made the
// figure in the page's Python (the shared worker) and says whether the result is the published
// data byte for byte, or where it differs. Fetched by livecells.js only on pages with figures;
// Python itself downloads only when a reader clicks. The placeholder is written by
// site_src/markdown/results.py (`verify_placeholder`): data-experiment, data-title, data-seconds,
// data-timed-in.

import { element } from "./dom.js";

/* global EXPERIMENTS_MODULE */

const MOUNTED = "result-figure__verify--mounted";
//: How many differing key paths the report names.
const SHOWN_DIFFERENCES = 3;

/** A value as the report quotes it: JSON, cut short when long. */
function quote(value) {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * The first `limit` differences between two JSON values, in document order, as
 * {path, published, rerun}; paths are dotted with list indices as numbers, as in
 * `{{ value: experiment.key.0.name }}`.
 */
export function differences(published, rerun, path, limit = SHOWN_DIFFERENCES, found = []) {
  if (found.length >= limit) return found;
  const bothObjects = published && rerun && typeof published === "object" && typeof rerun === "object";
  if (bothObjects && Array.isArray(published) === Array.isArray(rerun)) {
    const keys = Array.isArray(published)
      ? [...Array(Math.max(published.length, rerun.length)).keys()]
      : [...new Set([...Object.keys(published), ...Object.keys(rerun)])];
    for (const key of keys) differences(published[key], rerun[key], `${path}.${key}`, limit, found);
  } else if (!Object.is(published, rerun)) {
    found.push({ path, published, rerun });
  }
  return found;
}

/** What differs, in words: the first differing key paths, or the first differing line. */
function describeDifference(name, publishedText, rerunText) {
  let found;
  try {
    found = differences(JSON.parse(publishedText), JSON.parse(rerunText), name);
  } catch (error) {
    return `The published file is not valid JSON (${error.message}).`;
  }
  if (!found.length) return "The values are equal but the bytes differ (formatting or number spelling).";
  const listed = found.map((d) => `${d.path}: published ${quote(d.published)}, rerun ${quote(d.rerun)}`);
  return `First differences: ${listed.join("; ")}.`;
}

/** How many numbers a result's JSON holds (what "every published number" counts). */
function countNumbers(jsonText) {
  const count = (value) => typeof value === "number" ? 1
    : Array.isArray(value) ? value.reduce((sum, item) => sum + count(item), 0)
    : value && typeof value === "object" ? Object.values(value).reduce((sum, item) => sum + count(item), 0) : 0;
  return count(JSON.parse(jsonText));
}

/** The button's estimate: the build's time is another machine's and runtime's, so short reruns
 * are "a few seconds" (a browser on a busy machine took 3x the build's 1 s) and longer ones
 * "about N s". */
function durationLabel(expectedSeconds) {
  return expectedSeconds <= 3 ? "a few seconds" : `about ${expectedSeconds} s`;
}

function seconds(milliseconds) {
  return (milliseconds / 1000).toFixed(1);
}

class VerifyControl {
  constructor(root, client) {
    this.root = root;
    this.client = client;
    this.name = root.dataset.experiment;
    // What the reader sees: the runs' title in words ("Final validation loss against learning
    // rate"), not the experiment's internal name.
    this.title = root.dataset.title || "this figure's runs";
    this.expected = Number(root.dataset.seconds) || 0;
    this.timedIn = root.dataset.timedIn || "the build";
    this.download = root.closest("figure")?.querySelector("a.result-figure__data");
    const label = this.expected ? `Rerun in your browser (${durationLabel(this.expected)})` : "Rerun in your browser";
    this.button = element("button", { type: "button", class: "result-figure__verify-button md-button" }, label);
    const statusId = `${root.closest("figure")?.id || this.name}-verify-status`;
    this.button.setAttribute("aria-label", `${label}: ${this.title}`); // several figures, one page
    this.button.setAttribute("aria-describedby", statusId);
    this.status = element("p", { class: "result-figure__verify-status", role: "status", "aria-live": "polite", id: statusId });
    this.progress = element("progress", { class: "result-figure__verify-progress", max: "1", value: "0", hidden: "", "aria-label": `Rerun of ${this.title}: time elapsed against the time expected` });
    this.elapsed = element("span", { class: "result-figure__verify-elapsed", hidden: "" });
    root.append(this.button, this.progress, this.elapsed, this.status);
    root.classList.add(MOUNTED);
    this.button.addEventListener("click", () => this.verify());
  }

  /** Said when the rerun starts, honestly: the build measured another machine and runtime. */
  startPhrase() {
    const download = this.client.ready ? "" : " Python downloads first (once per visit).";
    return `Training the networks behind this figure again, in your browser…${this.durationPhrase()}${download}`;
  }

  durationPhrase() {
    return this.expected ? ` It took about ${this.expected} s in ${this.timedIn} when the site was built; your browser may differ.` : "";
  }

  setState(state, text) {
    this.root.dataset.state = state;
    this.status.textContent = text;
  }

  async verify() {
    if (!this.download) return this.setState("error", "No published data to compare with.");
    this.button.disabled = true;
    this.setState("running", this.startPhrase());
    const published = fetch(this.download.href, { cache: "no-cache" }).then((response) => {
      if (!response.ok) throw new Error(`${this.download.href}: HTTP ${response.status}`);
      return response.text();
    });
    published.catch(() => {}); // reported below, once the rerun is done
    let started = 0;
    let ticker = null;
    try {
      let rerunText = "";
      const request = { module: EXPERIMENTS_MODULE, function: "published_json", args: { name: this.name } };
      const done = await this.client.call(request, (reply) => {
        if (reply.type === "progress" && !reply.done) this.status.textContent = `${reply.stage}… Then the networks behind this figure are trained again.${this.durationPhrase()}`;
        if (reply.type === "started") {
          started = performance.now();
          this.status.textContent = this.startPhrase(); // Python is ready: the duration alone
          ticker = setInterval(() => this.tick(started), 250);
        }
        if (reply.type === "result") rerunText = JSON.parse(reply.json);
      });
      if (!done.ok) throw new Error(done.error);
      this.report(await published, rerunText, performance.now() - started);
    } catch (error) {
      this.setState("error", `The rerun failed: ${error.message}`);
    } finally {
      clearInterval(ticker);
      this.progress.hidden = true;
      this.elapsed.hidden = true;
      this.button.disabled = false;
    }
  }

  /** Elapsed time against the build's duration (not announced: the status speaks at start and end). */
  tick(started) {
    const elapsed = performance.now() - started;
    if (this.expected) {
      this.progress.hidden = false;
      this.progress.value = Math.min(0.99, elapsed / 1000 / this.expected);
    }
    this.elapsed.hidden = false;
    this.elapsed.textContent = this.expected ? `${seconds(elapsed)} s of about ${this.expected} s` : `${seconds(elapsed)} s`;
  }

  report(publishedText, rerunText, milliseconds) {
    const took = `in ${seconds(milliseconds)} s`;
    if (publishedText === rerunText) {
      const numbers = countNumbers(publishedText).toLocaleString("en");
      this.setState("identical", `Identical: your browser trained the networks behind this figure again (${took}) and got every one of the ${numbers} published numbers exactly, to the last digit.`);
    } else {
      this.setState("different", `Different: your browser trained the networks behind this figure again (${took}) and got numbers that differ from the published ones. ${describeDifference(this.name, publishedText, rerunText)}`);
    }
  }
}

/** Give every figure of the page its rerun control (once). */
/** Take over one figure's rerun placeholder (livecells.js calls it when the figure comes near). */
export function mountVerifyControl(root, client) {
  new VerifyControl(root, client);
}
