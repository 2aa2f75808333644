// A figure enlarged over the page: GLightbox (the library mkdocs-glightbox wraps), fetched only
// when a reader first opens a figure (livecells.js imports this module on that click), so pages
// carry none of its 18 KiB (gzip) before a reader asks; mkdocs-glightbox itself would put them in
// every page's <head> and wrap each <img> in a link, breaking the figures' <picture>.
//
// Each figure is a link to its SVG (site_src/markdown/results.py): a click, a tap or Enter on it
// opens the figure scaled to the window (an SVG stays sharp at any size); Escape, the close
// button or a click beside it closes it, and the focus goes back to the figure's link. On a
// touch screen the reader pinches to zoom further.
import GLightbox from "glightbox";
import lightboxCss from "glightbox/dist/css/glightbox.min.css"; // text (esbuild --loader:.css=text)

// The figures' SVGs are transparent with dark text: a light card behind them (as in dark mode on
// the page); the width is set per figure (`fitToWindow`). Adopted rather than a <style> in <head>:
// Material's instant navigation replaces <head>'s children with the next page's.
const OWN_CSS = `
.glightbox-container .gslide-image img.figure-lightbox__image { background: #fff; border-radius: 0.2rem; max-width: none; max-height: none; }
.glightbox-container .gclose:focus-visible { outline: 2px solid #fff; outline-offset: 2px; }
.glightbox-container :is(.gprev, .gnext) { display: none; } /* one figure at a time: nothing to page through */
`;
let sheet = null;

function adoptStyles() {
  if (sheet) return;
  sheet = new CSSStyleSheet();
  sheet.replaceSync(lightboxCss + OWN_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

/** As large as the window allows (96 % of its width, 88 % of its height), in the figure's proportions. */
function fitToWindow(image) {
  const ratio = image.naturalWidth / image.naturalHeight || 1;
  image.classList.add("figure-lightbox__image");
  image.style.width = `min(96vw, ${88 * ratio}vh)`;
  image.style.height = "auto";
}

/** Open the figure `link` points to (an `a.result-figure__enlarge` holding its <img>). */
export function openFigure(link) {
  adoptStyles();
  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const lightbox = GLightbox({
    elements: [{ href: link.href, type: "image", alt: link.querySelector("img")?.alt ?? "" }],
    openEffect: reduceMotion ? "none" : "zoom",
    closeEffect: reduceMotion ? "none" : "zoom",
    zoomable: false, // the figure already fills the window; a click beside it closes
    draggable: false,
    loop: false,
  });
  // GLightbox's dialog has no name of its own: a screen reader announces this on opening.
  lightbox.on("open", () => document.getElementById("glightbox-body")?.setAttribute("aria-label", "The figure, enlarged (Escape closes it)"));
  lightbox.on("slide_after_load", ({ slideNode }) => {
    const image = slideNode.querySelector(".gslide-image img");
    if (image) fitToWindow(image);
    // The keyboard starts in the lightbox (its close button), not behind it.
    document.querySelector(".glightbox-container .gclose")?.focus();
  });
  lightbox.on("close", () => link.focus({ preventScroll: true }));
  lightbox.on("close", () => setTimeout(() => lightbox.destroy(), 0)); // one lightbox per opening
  lightbox.open();
  return lightbox;
}
