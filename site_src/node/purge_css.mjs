// Keeps only the CSS rules a page uses, with PurgeCSS (npm), for site_src/node/page_css.py at build time.
// Request `purge` (see json_lines.mjs), args: {"html": "...", "css": ["...", ...], "safelist": ["regex", ...]};
// its result: {"css": "...", "unparsable": [index, ...]}: the stylesheets PostCSS can parse, purged
// together against the html (so a custom property one of them reads survives where another defines
// it), and the indexes of those it cannot parse (left to the caller, untouched).
import { PurgeCSS } from "purgecss";
import { serveLines } from "./json_lines.mjs";

async function purge({ html, css, safelist }) {
  const unparsable = [];
  for (const [index, raw] of css.entries()) {
    try {
      await new PurgeCSS().purge({ content: [], css: [{ raw }], safelist: { greedy: [/./] } });
    } catch {
      unparsable.push(index);
    }
  }
  const results = await new PurgeCSS().purge({
    content: [{ raw: html, extension: "html" }],
    css: css.filter((_, index) => !unparsable.includes(index)).map((raw) => ({ raw })),
    variables: true, // also drop the custom properties no kept rule reads (JupyterLab defines hundreds)
    safelist: { standard: ["html", "body"], greedy: safelist.map((pattern) => new RegExp(pattern)) },
  });
  return { css: results.map((result) => result.css).join("\n"), unparsable };
}

serveLines({ purge });
