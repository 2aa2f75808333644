"""Python-Markdown extensions of the chapter: `results` (quoted numbers, figures) and `livecells`."""
