// Renders TeX to HTML + MathML with KaTeX (npm), for site_src/markdown/math.py at build time.
// Request `render` (see json_lines.mjs), args: [{"tex": "...", "display": bool}, ...]; its result:
// [{"html": "..."} | {"error": "..."}, ...] in the same order (a page's formulas at once).
import katex from "katex";
import { serveLines } from "./json_lines.mjs";

serveLines({
  render: (formulas) =>
    formulas.map(({ tex, display }) => {
      try {
        return { html: katex.renderToString(tex, { displayMode: display, output: "htmlAndMathml", throwOnError: true }) };
      } catch (error) {
        return { error: error.message };
      }
    }),
});
