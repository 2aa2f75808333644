// Material's instant navigation, as it starts, makes every relative [href] and [src] of the page
// absolute (Material 9.8.2, `link.href = link.href`), so that the head compares equal with the
// next page's. On a stylesheet link that reloads the sheet: until the new copy is parsed the page
// is drawn without it. On a busy machine that flash lasted 30-80 ms, 300-600 ms after the first
// paint, in about one page load in three, and counted as a layout shift of 2.0 (the whole page
// twice). Done here instead, at the end of <head>, the reload happens before the body exists, so
// nothing is drawn without the sheets, and Material finds nothing left to change.
for (const link of document.head.querySelectorAll("link[href]")) {
  if (!/^(?:[a-z]+:)?\/\//i.test(link.getAttribute("href"))) link.href = link.href;
}
