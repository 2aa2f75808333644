"""The site machinery of the chapter: the experiment/figure step, Markdown extensions, MkDocs hooks.

`lesson/` is the science; this package turns its experiments into cached results, SVG figures and
pages. Page transformations live in Markdown extensions (`site_src.markdown`) and the
experiment/figure step (`site_src.assets`) runs on its own, so neither depends on MkDocs itself.
"""
