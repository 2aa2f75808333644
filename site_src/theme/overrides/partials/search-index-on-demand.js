// Material requests the search index (every page's text, more than any page's own HTML) as soon as
// any page loads, though most readers never search. This holds that one request until the reader
// first opens the search (click, tap or keyboard shortcut all focus or toggle it) or arrives from a
// search result (`?h=` asks Material to highlight the terms, which needs the index). Material then
// shows "Initializing search" for the moment the index takes to arrive. Runs before Material's bundle.
(() => {
  const INDEX = "/search/search_index.json";
  const { open, send } = XMLHttpRequest.prototype;
  let wanted = new URL(location.href).searchParams.has("h");
  const held = [];
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.isSearchIndex = new URL(url, location.href).pathname.endsWith(INDEX);
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (...body) {
    if (this.isSearchIndex && !wanted) held.push(() => send.apply(this, body));
    else send.apply(this, body);
  };
  const release = () => {
    wanted = true;
    held.splice(0).forEach((sendNow) => sendNow());
  };
  document.addEventListener("focusin", (event) => event.target.matches?.("[data-md-component=search-query]") && release());
  document.addEventListener("change", (event) => event.target.id === "__search" && event.target.checked && release());
})();
