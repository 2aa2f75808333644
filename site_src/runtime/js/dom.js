// A small DOM helper shared by the page scripts (live cells, exercises, figure reruns, playground) (text is set as text, never as HTML).

/** A new element with attributes and, optionally, its text. */
export function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}
