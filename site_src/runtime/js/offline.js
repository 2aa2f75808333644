// "Keep this chapter offline" (the footer's button, partials/copyright.html): fetches every file in
// offline.json (site_src/build/offline.py lists them with their sizes), a few at a time, through
// the service worker, which keeps each response as it passes (service-worker.js: the same cache
// and headers as the files a reader opens). Progress in bytes, then a check that every file is in
// the cache: the status says "Saved" only when the chapter would open offline.
const AT_ONCE = 4; // parallel requests: enough to fill a connection, few enough to keep the page responsive

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Fetch `url` through the service worker and count its bytes as they arrive. */
async function fetchCounting(url, count) {
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${new URL(url).pathname}: ${response.status} ${response.statusText}`);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    count(value.byteLength);
  }
}

/** Run `job` on every item, `limit` at a time; the first failure stops the rest and is thrown. */
async function eachLimited(items, limit, job) {
  let next = 0;
  let failed = null;
  const lane = async () => {
    while (next < items.length && !failed) {
      const item = items[next++];
      try {
        await job(item);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  if (failed) throw failed;
}

export class OfflineControl {
  constructor(root) {
    this.root = root;
    this.button = root.querySelector(".chapter-offline__keep");
    this.progress = root.querySelector(".chapter-offline__progress");
    this.status = root.querySelector(".chapter-offline__status");
    this.busy = false;
  }

  say(text) {
    this.status.textContent = text;
  }

  async keep() {
    if (this.busy) return;
    if (!navigator.serviceWorker?.controller) {
      this.say("This browser is not keeping the chapter: its service worker is not running (private browsing, or blocked by a setting). Reload the page and try again.");
      return;
    }
    this.busy = true;
    this.button.setAttribute("aria-disabled", "true"); // not `disabled`: the focus stays on the button
    try {
      const manifestUrl = new URL(this.root.dataset.manifest, location.href);
      const manifest = await (await fetch(manifestUrl, { cache: "no-cache" })).json();
      const files = manifest.files.map(([path, bytes]) => ({ url: new URL(path, manifestUrl).href, bytes }));
      let done = 0;
      this.progress.hidden = false;
      this.progress.max = manifest.bytes;
      const show = () => {
        this.progress.value = Math.min(done, manifest.bytes);
        this.say(`Downloading: ${megabytes(done)} of ${megabytes(manifest.bytes)} (${Math.floor((100 * done) / manifest.bytes)} %)…`);
      };
      show();
      let shown = 0;
      await eachLimited(files, AT_ONCE, (file) => fetchCounting(file.url, (bytes) => {
        done += bytes;
        if (performance.now() - shown > 250) { // a screen reader hears a few updates, not thousands
          shown = performance.now();
          show();
        }
      }));
      // The worker stores each response after handing it over: wait until every file is in its cache.
      const missing = [];
      for (let attempt = 0; attempt < 20; attempt += 1) {
        missing.length = 0;
        for (const file of files) if (!(await caches.match(file.url))) missing.push(file.url);
        if (!missing.length) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      if (missing.length) throw new Error(`${missing.length} files were not kept (the first: ${new URL(missing[0]).pathname})`);
      this.progress.value = manifest.bytes;
      this.say(`Saved: ${files.length} files, ${megabytes(manifest.bytes)}. Every page opens and every cell runs without a connection.`);
    } catch (error) {
      this.say(navigator.onLine === false
        ? "You are offline: connect to the internet and press the button again."
        : `The download stopped: ${error.message}. Press the button again to continue.`);
    } finally {
      this.busy = false;
      this.button.removeAttribute("aria-disabled");
    }
  }
}

/** The page's control (a new one after each instant navigation), made once per footer. */
export function attachOfflineControl(root) {
  root.offlineControl ??= new OfflineControl(root);
  return root.offlineControl;
}
