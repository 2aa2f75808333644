// Optimises the build's figures with SVGO (npm), for site_src/svg_optimize.py at build time.
// stdin: JSON {"name": "<svg ...>", ...}; stdout: JSON {"name": "<optimised svg>", ...}.
// SVGO's default preset: matplotlib's whitespace, metadata, style attributes and long numbers go;
// the text stays text, the viewBox and the width and height stay (SVGO 4 removes neither).
import { optimize } from "svgo";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const optimised = Object.fromEntries(
  Object.entries(JSON.parse(input)).map(([name, svg]) => [name, optimize(svg, { plugins: ["preset-default"] }).data]),
);
process.stdout.write(JSON.stringify(optimised));
