// The chapter's service worker (registered by partials/service-worker-registration.js; MkDocs
// copies this file to the site root, so its scope is the whole site). It does two things:
//
// 1. Cross-origin isolation on any static host, as coi-serviceworker does: every same-origin
//    response is re-served with COOP/COEP, so the page gets SharedArrayBuffer and Stop can
//    interrupt Python (runtime-client.js) instead of restarting it. All the site loads is
//    same-origin, so `require-corp` blocks nothing.
// 2. The chapter offline after a visit: what the reader's browser fetched (pages, figures, fonts,
//    scripts, the Python runtime once loaded) is kept in one cache; the footer's "Keep this chapter
//    offline" fetches the rest through here the same way (runtime/js/offline.js). Pages and files whose names
//    carry no content hash are network-first (a conditional request: a 304 costs a round trip,
//    never a download), so a new deploy is seen on the next visit; the cache answers only when
//    the network does not. Files named by their content (bundle.1a2b3c4d.min.js, chunk-XXXXXXXX.js)
//    never change and come from the cache.
//
// Written by hand rather than taken from coi-serviceworker or Workbox: coi-serviceworker only
// adds the headers (no caching), and Workbox's strategies would still need this file's own code
// for the headers, the conditional requests and the offline page; the whole is ~100 lines.

const CACHE = "chapter-v1";
const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};
// Material's bundles (main.8608ea7d.min.css, bundle.f55a23d4.min.js, search.973d3a69.min.js) and
// esbuild's chunks (chunk-6A3BB5LM.js): a new content gets a new name.
const CONTENT_NAMED = /(?:\.[0-9a-f]{8}(?:\.min)?|\/chunk-[A-Z0-9]{8})\.(?:js|css)$/;
// `mkdocs serve`'s live-reload long poll: never cached.
const NOT_CACHED = /\/livereload\//;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  // Other origins (the CDN in `pyodide: cdn` mode) and other methods go to the network untouched.
  if (request.method !== "GET" || url.origin !== self.location.origin || NOT_CACHED.test(url.pathname)) return;
  if (request.headers.has("range")) return; // partial content is not cached
  event.respondWith(CONTENT_NAMED.test(url.pathname) ? cacheFirst(event) : networkFirst(event));
});

/** `response` with the isolation headers; a redirect or an error passes as it is. */
function isolated(response) {
  if (response.type === "opaqueredirect" || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * The network's `response`, re-served with the isolation headers; a complete same-origin answer is
 * also kept, so the cached copy carries the headers already.
 */
function serveAndKeep(event, response) {
  const answer = isolated(response);
  if (response.status === 200 && response.type === "basic" && !response.redirected) {
    const copy = answer.clone();
    event.waitUntil(caches.open(CACHE).then((cache) => cache.put(event.request, copy)));
  }
  return answer;
}

/**
 * The network's answer, asked as a conditional request when a copy is cached (If-None-Match /
 * If-Modified-Since from that copy): unchanged (304), the copy is served. No network: the copy,
 * or for a page never visited, a short page that says so.
 */
async function networkFirst(event) {
  const { request } = event;
  const cached = await caches.match(request);
  const headers = new Headers(request.headers);
  const etag = cached?.headers.get("ETag");
  const lastModified = cached?.headers.get("Last-Modified");
  if (etag) headers.set("If-None-Match", etag);
  else if (lastModified) headers.set("If-Modified-Since", lastModified);
  // A no-cors request (a worker's importScripts, an image) drops every header a cross-origin
  // request may not carry, the validators included, and would download an unchanged file in full
  // (pyodide.asm.js, 1.3 MB, on every visit): asked in same-origin mode, which it is anyway.
  const mode = request.mode === "no-cors" ? "same-origin" : undefined;
  let response;
  try {
    // no-store: the cache here is the only copy (the HTTP cache would hold a second one).
    response = await fetch(mode ? new Request(request.url, { headers, mode, credentials: request.credentials, cache: "no-store" })
      : new Request(request, { headers, cache: "no-store" }));
  } catch (error) {
    if (cached) return cached;
    if (request.mode === "navigate") return offlinePage();
    throw error;
  }
  if (response.status === 304 && cached) return cached;
  return serveAndKeep(event, response);
}

async function cacheFirst(event) {
  const cached = await caches.match(event.request);
  if (cached) return cached;
  return serveAndKeep(event, await fetch(event.request));
}

function offlinePage() {
  const html = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Offline</title><body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem">
<h1>You are offline</h1><p>This page of the chapter has not been opened on this device before, so it was not saved for
offline reading. The pages you have opened are saved: go back, or connect to the internet and reload.</p></body></html>`;
  return isolated(new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }));
}
