// Work that can wait waits (issue 23): the page script takes a cell, an exercise or a figure's
// rerun control over only when it comes within a screen of the viewport, or at once when the
// reader's pointer or keyboard reaches it first. Loading a long page then wires, and makes the
// browser style again, only what the reader may soon see.

/** How near counts: a screen above and below the viewport. */
const NEAR = "100% 0px";
/** What the reader can do to an element before it comes near (Tab to its button, a click from far). */
const INTERACTIONS = ["pointerdown", "focusin", "keydown", "click"];

/**
 * Calls `mount(root)` once for each of `roots`: when it comes near the viewport, or when the reader
 * presses on it or moves the focus into it. That happens while the event is on its way down
 * (capture), so the listeners `mount` adds to the root's buttons and code still receive it.
 * @returns {{stop: () => void}} stops watching (the reader left the page)
 */
export function mountWhenNear(roots, mount) {
  const waiting = new Set(roots);
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) if (entry.isIntersecting) mountNow(entry.target);
  }, { rootMargin: NEAR });
  const onInteraction = (event) => mountNow(event.currentTarget);
  const forget = (root) => {
    observer.unobserve(root);
    for (const type of INTERACTIONS) root.removeEventListener(type, onInteraction, true);
  };
  function mountNow(root) {
    if (!waiting.delete(root)) return;
    forget(root);
    mount(root);
  }
  for (const root of roots) {
    observer.observe(root);
    for (const type of INTERACTIONS) root.addEventListener(type, onInteraction, true);
  }
  return {
    stop() {
      waiting.forEach(forget);
      waiting.clear();
    },
  };
}
