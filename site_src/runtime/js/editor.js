// The cell editor: CodeMirror 6 with Python highlighting, line numbers, bracket matching, undo,
// search and keyboard access (basicSetup), plus Shift+Enter / Ctrl+Enter to run.
// Tokens get classes (tok-*) instead of CodeMirror's default colours, so livecells.css can use
// Material's own code colours, which meet contrast rules in both the light and dark scheme.
import { basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { syntaxHighlighting } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";
import { EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";

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
        basicSetup,
        python(),
        syntaxHighlighting(classHighlighter),
        EditorView.lineWrapping, // no sideways scrolling, also on a 375-px phone
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
