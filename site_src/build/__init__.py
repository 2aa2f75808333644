"""The build's steps before MkDocs reads the pages: experiments, figures, live cells, exercises,
the lab notebook; their content cache (`cache`), the pages they scan (`pages`), the engine files
code depends on (`imports`) and the chapter's registries (`registries`)."""
