// Renders TeX to HTML + MathML with KaTeX (npm), for site_src/markdown/math.py at build time.
// Each request (a line, see json_lines.mjs): [{"tex": "...", "display": bool}, ...]; its result:
// [{"html": "..."} | {"error": "..."}, ...] in the same order (a page's formulas at once).
import katex from "katex";
import { serveLines } from "./json_lines.mjs";

serveLines((formulas) =>
  formulas.map(({ tex, display }) => {
    try {
      return { html: katex.renderToString(tex, { displayMode: display, output: "htmlAndMathml", throwOnError: true }) };
    } catch (error) {
      return { error: error.message };
    }
  }),
);
