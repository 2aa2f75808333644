// Registers the site's service worker (service-worker.js at the site root: COOP/COEP on every
// response, the chapter kept for offline reading). Inline in <head>, so it starts before anything
// else loads.
//
// A page loaded before the worker controlled it (the first visit) is not cross-origin isolated;
// like coi-serviceworker, it is reloaded once, as soon as the worker takes control, so Stop can
// interrupt Python on this visit too. The reload comes early (the page is the same, scrolled to the
// same place) and never after the reader has clicked or typed, or once Python has started
// (`liveCellsRuntime.ready`); it happens at most once per tab (sessionStorage), so a browser that
// cannot isolate (or a reload that bypasses the worker) never loops.
(() => {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  const RELOADED = "service-worker:reloaded-for-isolation";
  const worker = navigator.serviceWorker;
  worker.register({{ 'service-worker.js' | url | tojson }}).catch((error) => console.warn("service worker:", error));
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return;
  }
  let readerActed = false;
  const acted = () => (readerActed = true);
  for (const type of ["pointerdown", "keydown"]) addEventListener(type, acted, { capture: true, once: true });
  const reloadOnce = () => {
    if (readerActed || window.liveCellsRuntime?.ready || sessionStorage.getItem(RELOADED)) return;
    sessionStorage.setItem(RELOADED, "1");
    location.reload();
  };
  if (worker.controller) reloadOnce();
  else worker.addEventListener("controllerchange", reloadOnce, { once: true });
})();
