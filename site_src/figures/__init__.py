"""What every chapter's figures build on: `FigureSpec` and the registry (`registry`), the house
style (`style`) and the palette the page's scripts share (`palette.json`). A chapter's own figures
live beside its engine (this chapter's: `lesson_figures/`), named by the plugin's `figures` setting."""
