"""MkDocs hooks of the chapter site (thin: they call site_src.assets and the runtime)."""
