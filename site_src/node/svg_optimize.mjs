// Optimises the build's figures with SVGO (npm), for site_src/node/svg_optimize.py at build time.
// Request `optimize` (see json_lines.mjs), args: {"name": "<svg ...>", ...}; its result: the same
// names, each SVG optimised. SVGO's default preset: matplotlib's whitespace, metadata, style
// attributes and long numbers go; the text stays text, the viewBox and the width and height stay
// (SVGO 4 removes neither).
import { optimize } from "svgo";
import { serveLines } from "./json_lines.mjs";

serveLines({
  optimize: (svgs) =>
    Object.fromEntries(Object.entries(svgs).map(([name, svg]) => [name, optimize(svg, { plugins: ["preset-default"] }).data])),
});
