// The cell's editor, fetched only when the reader needs it. Until then the cell shows its code as
// the build highlighted it (`.live-cell__static`, already in the HTML), made focusable. Focusing,
// clicking or typing in that code, or running the cell (`load()`), fetches the CodeMirror bundle
// (editor.js, several hundred KB) and mounts the editor in the code's place; livecells.css gives
// both the same font, line height and padding, so nothing below moves. Code that differs from the
// page's (the reader's saved edits) needs the editor to be shown, so it mounts at once.

/** Where in `code`'s text the point (x, y) falls, or null (the caret goes there once the editor is up). */
function textOffsetAt(code, x, y) {
  const caret = document.caretPositionFromPoint?.(x, y);
  const node = caret ? caret.offsetNode : document.caretRangeFromPoint?.(x, y)?.startContainer;
  const offset = caret ? caret.offset : document.caretRangeFromPoint?.(x, y)?.startOffset;
  if (!node || !code.contains(node)) return null;
  const before = document.createRange();
  before.setStart(code, 0);
  before.setEnd(node, offset);
  return before.toString().length;
}

/**
 * An editor for `host` that shows `placeholder` (the static highlighted code) until it is needed.
 * `options` are those of editor.js's createEditor. Same interface as that editor, plus `load()`.
 * @returns {{getText: () => string, setText: (text: string) => void, load: () => Promise<object>}}
 */
export function createLazyEditor(host, placeholder, options) {
  const cell = placeholder.parentElement;
  const code = placeholder.querySelector("pre > code");
  const shownText = code.textContent.replace(/\n$/, ""); // Pygments ends the block with a newline
  let text = options.doc;
  let editor = null;
  let loading = null;
  const editorOptions = { ...options, onChange: (changed) => ((text = changed), options.onChange(changed)) };

  function load({ focus = false, offset = null } = {}) {
    loading ??= import("./editor.js").then(({ createEditor }) => {
      editor = createEditor(host, { ...editorOptions, doc: text });
      cell.classList.add("live-cell--editing"); // hides the static code (livecells.css)
      return editor;
    });
    return loading.then((mounted) => {
      if (focus) {
        if (offset !== null) mounted.view.dispatch({ selection: { anchor: Math.min(offset, mounted.view.state.doc.length) } });
        mounted.view.focus();
      }
      return mounted;
    });
  }

  // Until the editor is up, the highlighted code stands in for it, for the keyboard and screen readers too.
  code.setAttribute("tabindex", "0");
  code.setAttribute("role", "textbox");
  code.setAttribute("aria-multiline", "true");
  code.setAttribute("aria-label", options.label);
  if (options.readOnly) code.setAttribute("aria-readonly", "true");
  code.addEventListener("pointerdown", (event) => load({ focus: true, offset: textOffsetAt(code, event.clientX, event.clientY) }));
  code.addEventListener("focus", () => load({ focus: true }));
  code.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.shiftKey || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      options.onRun();
    }
  });
  if (text !== shownText) {
    // The reader's saved edit, not the highlighted original, is the cell's code: never show the
    // original in the meantime (the editor replaces the empty space within moments).
    cell.classList.add("live-cell--editing");
    load();
  }

  return {
    load: () => load(),
    getText: () => (editor ? editor.getText() : text),
    setText(newText) {
      if (editor) editor.setText(newText);
      else if ((text = newText) !== shownText) load();
    },
  };
}
