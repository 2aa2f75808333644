// Registers the site's service worker (service-worker.js at the site root: COOP/COEP on every
// response, the chapter kept for offline reading). Inline in <head>, so it starts before anything
// else loads.
//
// A page loaded before the worker controlled it (the first visit) is not cross-origin isolated, and
// instant navigation never loads another document, so the tab would stay so. It is not reloaded
// (coi-serviceworker's way): a reload loads and lays out the page a second time while the reader
// starts reading, and a page-load benchmark such as Lighthouse cannot measure a page that reloads
// itself. Instead the first link the reader follows on such a page is a full load, which the worker
// serves isolated; later links navigate in place. On that first page, Stop restarts Python and
// input() says it cannot read, as where isolation is unavailable. Once Python has started on it,
// links navigate in place as usual: keeping the loaded Python is worth more than isolation.
(() => {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  const worker = navigator.serviceWorker;
  worker.register({{ 'service-worker.js' | url | tojson }}).catch((error) => console.warn("service worker:", error));
  if (window.crossOriginIsolated) return;
  // Capture on window runs before instant navigation's click handler on the body: stopping the
  // event there leaves the browser's own navigation, which the service worker answers. Only links
  // to another page (directory URLs): anchors, downloads and figures keep their own handlers.
  const toAnotherPage = (link) =>
    link && !link.target && !link.hasAttribute("download") && link.origin === location.origin &&
    /(\/|\.html)$/.test(link.pathname) && link.pathname !== location.pathname;
  const followInFull = (event) => {
    if (!worker.controller || window.liveCellsRuntime?.starts) return;
    if (toAnotherPage(event.target instanceof Element ? event.target.closest("a[href]") : null)) event.stopPropagation();
  };
  addEventListener("click", followInFull, { capture: true });
})();
