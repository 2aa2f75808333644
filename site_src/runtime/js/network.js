// What the runtime says when it cannot download what a Run needs because the reader is offline
// (the service worker serves what was cached; anything else fails to fetch).

export const OFFLINE_MESSAGE =
  "You are offline, and this page's Python has not been downloaded yet. Connect to the internet and press Run again.";

/**
 * True when the site cannot be reached: the browser says it is offline, or a request that the
 * service worker lets through (HEAD: it answers GETs only) fails. Asked after a download failed,
 * to tell "offline" from a broken file.
 */
export async function isOffline(url) {
  if (navigator.onLine === false) return true;
  try {
    await fetch(url, { method: "HEAD", cache: "no-store" });
    return false;
  } catch {
    return true;
  }
}

/** A download failed because the reader is offline: its message is all the reader needs (no stack). */
export class OfflineError extends Error {
  constructor() {
    super(OFFLINE_MESSAGE);
    this.name = "OfflineError";
  }
}

/** `error`, or an `OfflineError` when the failure came from being offline. */
export async function explainDownloadFailure(error, url) {
  return (await isOffline(url)) ? new OfflineError() : error;
}
