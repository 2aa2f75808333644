// Renders TeX to HTML + MathML with KaTeX (npm), for site_src/markdown/math.py at build time.
// stdin: JSON [{"tex": "...", "display": bool}, ...]; stdout: JSON [{"html": "..."} | {"error": "..."}, ...]
// in the same order. One process renders a whole page, so Node starts once per page, not per formula.
import katex from "katex";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const rendered = JSON.parse(input).map(({ tex, display }) => {
  try {
    return { html: katex.renderToString(tex, { displayMode: display, output: "htmlAndMathml", throwOnError: true }) };
  } catch (error) {
    return { error: error.message };
  }
});
process.stdout.write(JSON.stringify(rendered));
