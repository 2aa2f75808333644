// Self-checking exercises: turns each `.exercise` block written by site_src/markdown/exercises.py
// into an editor (or a set of choices) with Check / hint / solution / Reset, and keeps the reader's
// progress in localStorage. A code or tuning exercise's Check runs the program the build verified
// (programHead + the reader's code as a JSON string + programTail) in the shared Python worker; the
// checker reports its verdict as a `data` reply. The `exercise` fence's script: the page script
// (livecells.js) fetches it only on pages with an exercise and mounts it there.
import { createLazyEditor } from "../lazy-editor.js";
import { element } from "../dom.js";
import { TextOutput } from "../output.js";
import { mountWhenNear } from "../near.js";

const SOLVED_PREFIX = "exercise:v1:solved:";
const CODE_PREFIX = "exercise:v1:code:";
const MAX_OUTPUT_CHARS = 20000; // the reader's prints beyond this are counted, not shown
export const PASS = "✓";
const FAIL = "✗";

/** The reader's progress, kept in this browser: an exercise id is solved or not. */
export const progress = {
  isSolved: (id) => localStorage.getItem(SOLVED_PREFIX + id) === "solved",
  markSolved: (id) => localStorage.setItem(SOLVED_PREFIX + id, "solved"),
  reset: (ids) => ids.forEach((id) => localStorage.removeItem(SOLVED_PREFIX + id)),
  count: (ids) => ids.filter((id) => progress.isSolved(id)).length,
};

export function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** "✗ hidden check “name” failed: message" — which case, whether hidden, and what went wrong. */
function describeCase(result) {
  const which = `${result.hidden ? "hidden check" : "check"} “${result.name}”`;
  return result.passed ? `${PASS} passed: ${which}` : `${FAIL} failed: ${which}: ${result.message}`;
}

class Exercise {
  constructor(root, client, pageId, index, onChange) {
    this.root = root;
    this.client = client;
    this.pageId = pageId;
    this.index = index;
    this.onChange = onChange;
    this.data = JSON.parse(root.dataset.exercise);
    this.hints = [...root.querySelectorAll(":scope > .exercise__hint")];
    this.shownHints = 0;
    this.attempted = false;
    this.running = null;
    this.build();
  }

  build() {
    // The buttons, the editor and output areas and the announcement regions are in the page from
    // the build (site_src/markdown/exercises.py), so taking the exercise over moves nothing.
    const part = (name) => this.root.querySelector(`:scope .exercise__${name}`);
    this.state = part("state");
    this.checkButton = part("check");
    this.hintButton = part("hint-button");
    this.solutionButton = part("solution-button");
    this.feedback = part("feedback");
    this.notice = part("notice"); // hints, the solution and resets: the verdict stays on screen
    this.results = part("results");
    if (this.data.kind !== "choice") this.buildCode();
    this.root.classList.add("exercise--mounted");
    this.updateHintButton();
    this.showState();
    this.checkButton.addEventListener("click", () => this.check());
    this.hintButton.addEventListener("click", () => this.showHint());
    this.solutionButton.addEventListener("click", () => this.showSolution());
  }

  buildCode() {
    const { id, starter } = this.data;
    this.storageKey = CODE_PREFIX + id;
    this.output = this.root.querySelector(":scope > .exercise__output");
    this.text = new TextOutput(this.output, MAX_OUTPUT_CHARS);
    const saved = localStorage.getItem(this.storageKey);
    this.editor = createLazyEditor(this.root.querySelector(":scope > .exercise__editor"), this.root.querySelector(":scope > .exercise__static"), {
      doc: saved ?? starter,
      readOnly: false,
      label: `Your code: ${this.data.title}. Shift+Enter checks it.`,
      onRun: () => this.check(),
      onChange: (text) => (text === starter ? localStorage.removeItem(this.storageKey) : localStorage.setItem(this.storageKey, text)),
    });
    this.root.querySelector(":scope .exercise__reset").addEventListener("click", () => {
      localStorage.removeItem(this.storageKey);
      this.editor.setText(starter);
      this.note("Code restored to the starter code.");
    });
  }

  say(text) {
    this.feedback.textContent = text;
  }

  note(text) {
    this.notice.textContent = text;
  }

  showState() {
    const solved = progress.isSolved(this.data.id);
    this.state.textContent = solved ? `${PASS} Solved` : "Not solved yet";
    this.root.dataset.solved = solved ? "true" : "false";
  }

  updateHintButton() {
    const total = this.hints.length;
    if (this.shownHints >= total) {
      this.hintButton.textContent = "No more hints";
      this.hintButton.disabled = true;
    } else {
      this.hintButton.textContent = `Show hint ${this.shownHints + 1} of ${total}`;
    }
  }

  showHint() {
    const hint = this.hints[this.shownHints];
    if (!hint) return;
    this.shownHints += 1;
    if (!hint.querySelector(".exercise__hint-label")) {
      hint.prepend(element("p", { class: "exercise__hint-label" }, `Hint ${this.shownHints} of ${this.hints.length}`));
    }
    hint.hidden = false;
    this.updateHintButton();
    this.note(`Hint ${this.shownHints} of ${this.hints.length}: ${hint.textContent.replace(/^Hint \d+ of \d+/, "").trim()}`);
  }

  showSolution() {
    const solution = this.root.querySelector(":scope > .exercise__solution");
    solution.hidden = false;
    this.solutionButton.disabled = true;
    this.note("The reference solution is shown below the exercise.");
  }

  finish(passed, message, cases = []) {
    this.attempted = true;
    this.solutionButton.disabled = !this.root.querySelector(":scope > .exercise__solution").hidden;
    this.root.dataset.verdict = passed ? "passed" : "failed";
    if (passed) progress.markSolved(this.data.id);
    this.say(`${passed ? PASS + " Correct" : FAIL + " Not yet"}: ${message}`);
    this.results.replaceChildren(...cases.map((result) => element("li", { class: `exercise__case exercise__case--${result.passed ? "passed" : "failed"}` }, describeCase(result))));
    this.results.hidden = cases.length === 0;
    this.showState();
    this.onChange();
  }

  check() {
    return this.data.kind === "choice" ? this.checkChoice() : this.checkCode();
  }

  checkChoice() {
    const chosen = this.root.querySelector(":scope input[type=radio]:checked");
    if (!chosen) {
      this.say("Choose one of the answers first, then press Check.");
      return;
    }
    const index = Number(chosen.value);
    // The explanation of the chosen answer is the verdict's text (shown and announced once).
    const why = this.root.querySelector(`:scope > .exercise__why[data-choice="${index}"]`).textContent.trim();
    const label = this.data.choices[index];
    const passed = index === this.data.answer;
    this.finish(passed, passed ? `“${label}” is right. ${why}` : `“${label}” is not the diagnosis. ${why}`);
  }

  appendOutput(text, kind) {
    this.output.hidden = false;
    this.text.append(text, kind);
  }

  async checkCode() {
    if (this.running) return;
    const code = this.editor.getText();
    this.text.clear();
    this.output.hidden = true;
    this.checkButton.disabled = true;
    this.say(this.client.ready ? "Checking your code…" : "Starting Python, then checking your code…");
    const limit = this.data.timeout;
    let verdict = null;
    let timer = null;
    const onReply = (reply) => {
      if (reply.type === "started") {
        timer = setTimeout(() => this.stop(`Stopped: checking took longer than the limit of ${limit} s.`), limit * 1000);
      } else if (reply.type === "data" && reply.kind === "verdict") {
        verdict = JSON.parse(reply.json);
      } else if (reply.type === "stdout" || reply.type === "stderr") {
        this.appendOutput(reply.text, reply.type);
      } else if (reply.type === "progress") {
        this.say(reply.done ? reply.stage : `${reply.stage}…`);
      }
    };
    const program = this.data.programHead + JSON.stringify(code) + this.data.programTail;
    this.running = this.client.run({ pageId: this.pageId, index: 1000 + this.index, title: `exercise ${this.data.id}`, setup: "", code: program }, onReply);
    try {
      const done = await this.running;
      if (this.stopping) this.finish(false, this.stopping);
      else if (verdict) this.report(verdict);
      else this.finish(false, `the checker could not run: ${done.error}`);
    } catch (error) {
      this.finish(false, this.stopping || `Python failed: ${error.message}`);
    } finally {
      clearTimeout(timer);
      this.running = null;
      this.stopping = null;
      this.checkButton.disabled = false;
    }
  }

  report(verdict) {
    if (verdict.error) {
      this.finish(false, `your code raised ${verdict.error} (the traceback is in the output below).`);
      return;
    }
    const failed = verdict.cases.filter((result) => !result.passed);
    const hidden = verdict.cases.filter((result) => result.hidden).length;
    const ofThem = hidden ? ` (${hidden} of them hidden)` : "";
    if (!failed.length) {
      this.finish(true, `your code passes all ${plural(verdict.cases.length, "check")}${ofThem}.`, verdict.cases);
      return;
    }
    const first = failed[0];
    const which = `${first.hidden ? "hidden check" : "check"} “${first.name}”`;
    this.finish(false, `${failed.length} of ${plural(verdict.cases.length, "check")}${ofThem} failed. First: ${which} failed: ${first.message}`, verdict.cases);
  }

  async stop(message) {
    if (!this.running || this.stopping) return;
    this.stopping = message;
    await this.client.stop(message, this.running);
  }
}

/** The page's "N of M exercises solved" line (in the page from the build: site_src/markdown/exercises.py),
 * kept up to date, with a reset of this page's progress; `exercises` are those taken over so far. */
function pageSummary(roots, exercises) {
  const summary = document.querySelector(".exercise-summary");
  if (!summary) return () => {};
  const text = summary.querySelector(".exercise-summary__text");
  const reset = summary.querySelector(".exercise-summary__reset");
  const ids = roots.map((root) => JSON.parse(root.dataset.exercise).id);
  const update = (note = "") => {
    const first = `#${roots[0].id}`;
    text.replaceChildren(document.createTextNode(`Exercises on this page: ${progress.count(ids)} of ${ids.length} solved. `));
    text.append(element("a", { href: first }, "Go to the first exercise"), document.createTextNode(note ? ` ${note}` : ""));
  };
  reset.addEventListener("click", () => {
    progress.reset(ids);
    exercises.forEach((exercise) => exercise.showState());
    update("Progress reset.");
  });
  update();
  return update;
}

/** Mount the page's exercises (`roots`, the fence's elements), each when it comes near the viewport;
 * returns what stops them (and the watching) when the reader leaves the page. */
export function mount(roots, client, pageId) {
  const exercises = [];
  const update = pageSummary(roots, exercises);
  const watching = mountWhenNear(roots, (root) => exercises.push(new Exercise(root, client, pageId, roots.indexOf(root), () => update())));
  return [watching, { stop: (message) => exercises.forEach((exercise) => exercise.stop(message)) }];
}
