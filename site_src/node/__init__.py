"""The build's helpers written in JavaScript (KaTeX, PurgeCSS, SVGO: npm packages run by Node),
each a `*.mjs` script serving JSON lines (`json_lines.mjs`), kept running by `process.NodeProcess`,
the one process class of every long-running Node script of the build (the Pyodide host's too)."""
