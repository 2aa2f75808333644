// Renders the formulas that pymdownx.arithmatex (generic mode) marks with `.arithmatex`, with the
// KaTeX copy served by the site itself (no CDN). `document$` is Material's page observable: it
// emits on the first load and after every instant navigation.
document$.subscribe(({ body }) => {
  for (const element of body.querySelectorAll(".arithmatex")) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  }
});
