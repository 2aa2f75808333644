// Material's instant navigation (which keeps the page, and so the reader's Python, loaded between
// pages) takes over a click only on a link listed in sitemap.xml. It compares the link with each
// listed address after giving that address the page's protocol and host name, but not its port or
// the folder the site is served under (Material 9.8.2, integrations/sitemap resolve()), and the
// sitemap lists the address the build was given (site_url). Served at any other port or sub-path,
// no link matched and every click was a full page load. Material reads the sitemap with one
// XMLHttpRequest (responseType "blob"); this hands it the same sitemap with the build's address
// moved to the folder sitemap.xml was requested from (the site's root: Material asks at config.base).
// No extra request: that XMLHttpRequest reads the file as text, and its `response` is the moved
// copy. Runs before Material's bundle.
(() => {
  const PUBLISHED = document.currentScript.dataset.siteUrl; // site_url, from main.html
  const { open } = XMLHttpRequest.prototype;
  const responseText = Object.getOwnPropertyDescriptor(XMLHttpRequest.prototype, "responseText").get;

  const moved = (address, root) => (address.startsWith(PUBLISHED) ? root + address.slice(PUBLISHED.length) : address);

  const servedSitemap = (text, root) => {
    const sitemap = new DOMParser().parseFromString(text, "text/xml");
    for (const loc of sitemap.getElementsByTagName("loc")) loc.textContent = moved(loc.textContent.trim(), root);
    for (const link of sitemap.querySelectorAll("[href]")) link.setAttribute("href", moved(link.getAttribute("href"), root));
    return new XMLSerializer().serializeToString(sitemap);
  };

  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    const address = new URL(url, location.href);
    if (PUBLISHED && address.origin === location.origin && address.pathname.endsWith("/sitemap.xml")) {
      const root = new URL(".", address).href;
      Object.defineProperties(this, {
        responseType: { value: "", writable: true }, // Material's "blob" lands here; the request reads text
        response: { get: () => new Blob([servedSitemap(responseText.call(this), root)], { type: "application/xml" }) },
      });
    }
    return open.call(this, method, url, ...rest);
  };
})();
