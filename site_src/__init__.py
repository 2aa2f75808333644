"""The machinery that builds an interactive textbook chapter: an MkDocs plugin and what it calls.

An engine package (numpy only, a folder beside the chapter's mkdocs.yml) is the science; this package turns its experiments
into cached results, SVG figures, pre-rendered live cells, verified exercises and pages:

- `plugin`: the MkDocs plugin `chapter` (typed settings, thin events) and `project`: every path;
- `build/`: the steps before MkDocs reads the pages (experiments, figures, cells, exercises,
  notebook), their cache and the registries, runnable without MkDocs (`python -m site_src.build`);
- `markdown/`: the Python-Markdown extensions (quoted values and figures, live cells, exercises, math);
- `node/`: the build's helpers in JavaScript (KaTeX, PurgeCSS, SVGO) and the process that runs them;
- `runtime/`: the browser runtime (Pyodide mirror, engine wheel, worker, page scripts) and the
  build's own Pyodide under Node;
- `figures/`: the chapter's figures; `theme/`: Material overrides;
- `serve` and `new_page`: the commands `scripts/serve` and `scripts/new-page`.
"""
