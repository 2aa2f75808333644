// The cell editor: CodeMirror 6 with Python highlighting, bracket matching, undo, search and
// keyboard access, plus Shift+Enter / Ctrl+Enter to run.
// It is codemirror's basicSetup without its two gutters (line numbers, folding): the editor
// replaces the build's highlighted code in place (lazy-editor.js), which has no gutter, so a gutter
// would narrow the text, rewrap it and move everything below (47 px on a laptop, 247 px on a
// phone). Tracebacks quote the reader's lines, so no number is needed to find one.
// Tokens get classes (tok-*) instead of CodeMirror's default colours, so livecells.css can use
// Material's own code colours, which meet contrast rules in both the light and dark scheme.
import { python } from "@codemirror/lang-python";
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { classHighlighter } from "@lezer/highlight";
import { EditorState, Prec } from "@codemirror/state";
import {
  EditorView, crosshairCursor, drawSelection, dropCursor, highlightActiveLine, highlightSpecialChars, keymap, rectangularSelection,
} from "@codemirror/view";

/** codemirror's basicSetup (6.0.2) less lineNumbers, highlightActiveLineGutter, foldGutter and their keys. */
const editingSetup = [
  highlightSpecialChars(),
  history(),
  drawSelection(),
  dropCursor(),
  EditorState.allowMultipleSelections.of(true),
  indentOnInput(),
  bracketMatching(),
  closeBrackets(),
  autocompletion(),
  rectangularSelection(),
  crosshairCursor(),
  highlightActiveLine(),
  highlightSelectionMatches(),
  keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...completionKeymap]),
];

/**
 * Mount an editor in `host`.
 * @returns {{getText: () => string, setText: (text: string) => void, view: EditorView}}
 */
export function createEditor(host, { doc, readOnly, label, onRun, onChange }) {
  const runKeys = Prec.highest(
    keymap.of([
      { key: "Shift-Enter", run: () => (onRun(), true) },
      { key: "Mod-Enter", run: () => (onRun(), true) },
    ]),
  );
  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc,
      extensions: [
        editingSetup,
        python(),
        syntaxHighlighting(classHighlighter),
        // No sideways scrolling, also on a 375-px phone; the static code wraps the same way (livecells.css).
        EditorView.lineWrapping,
        runKeys,
        EditorState.readOnly.of(readOnly),
        EditorView.contentAttributes.of({ "aria-label": label, tabindex: "0" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    getText: () => view.state.doc.toString(),
    setText: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  };
}
