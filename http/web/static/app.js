// Verity's pages work without this file. With it, selecting words in an article fills the
// new claim form's quote and start, so an editor does not retype a passage or count
// characters.
"use strict";
document.documentElement.classList.add("has-js");

// codePoints counts code points, as Verity's offsets do (JavaScript strings count UTF-16
// units, which differ for characters outside the Basic Multilingual Plane).
function codePoints(s) {
  return Array.from(s).length;
}

// offsetOf returns the code point offset in the article body of a position in the text.
function offsetOf(node, offset) {
  let el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  while (el && !el.hasAttribute("data-offset")) {
    el = el.parentElement;
  }
  if (!el) {
    return null;
  }
  let before = 0;
  if (node.nodeType === Node.TEXT_NODE) {
    before = codePoints(node.data.slice(0, offset));
  }
  return Number(el.getAttribute("data-offset")) + before;
}

document.addEventListener("DOMContentLoaded", function () {
  const text = document.getElementById("article-text");
  const quote = document.getElementById("nc-quote");
  const start = document.getElementById("nc-start");
  if (!text || !quote || !start) {
    return;
  }
  text.addEventListener("mouseup", function () {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) {
      return;
    }
    const range = sel.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) {
      return;
    }
    const at = offsetOf(range.startContainer, range.startOffset);
    const selected = sel.toString();
    if (at === null || selected.trim() === "") {
      return;
    }
    quote.value = selected;
    start.value = String(at);
    quote.focus({ preventScroll: true });
    quote.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
});
