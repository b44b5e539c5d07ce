"""The note as the coding panel shows it: highlighted text that reads the mouse.

:class:`NoteView` is an `anywidget <https://anywidget.dev>`_ widget (it runs in JupyterLab and
in Voila; its small front end is inlined below, nothing is fetched). Python sends it the
highlighted HTML drawn by :func:`~research_kit.widgets.highlight.render_document_html`; the
browser sends back what the researcher does with the mouse and keyboard as messages:

- ``{"kind": "select", "start": s, "end": e}``: a span was selected with the mouse;
- ``{"kind": "click", "offset": o}``: a click (no selection) on the text, e.g. on a highlight;
- ``{"kind": "key", "key": k}``: a keyboard shortcut pressed while the note has the focus;
- ``{"kind": "focus"}`` and ``{"kind": "poll"}``: the page got the focus, or a few seconds
  passed while it was visible (the panel checks whether the codebook changed elsewhere).

Offsets are Unicode code points of the text as read, like every offset in the study: the
browser counts UTF-16 units, so the front end converts (an emoji is one code point but two
UTF-16 units). A selection is snapped to whole words on the Python side by
:func:`snap_to_words`, so the rule is tested without a browser, and comes back as the
``selection`` trait, which the browser marks with a CSS highlight: selecting never redraws
the note.
"""

from __future__ import annotations

from collections.abc import Callable

import anywidget
import traitlets

#: The keys the note view reports (anything else types as usual).
SHORTCUT_KEYS = ("a", "r", "n", "m", "Escape", *"123456789")

_ESM = r"""
const SHORTCUTS = new Set(__KEYS__);

// Code points in a JS string (UTF-16): a surrogate pair counts once.
function codePoints(text) {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

// The UTF-16 index in ``text`` of the code point number ``points``.
function unitIndex(text, points) {
  let index = 0;
  while (points > 0 && index < text.length) {
    const unit = text.charCodeAt(index);
    index += unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length ? 2 : 1;
    points--;
  }
  return index;
}

// The note's text nodes (not the style sheet's), in order.
function textNodes(doc) {
  const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let node;
  while ((node = walker.nextNode())) {
    if (!node.parentElement.closest("style")) nodes.push(node);
  }
  return nodes;
}

// A DOM range over the code points start..end of the note (clipped to the page shown).
function rangeOf(doc, start, end) {
  const nodes = textNodes(doc);
  const range = document.createRange();
  let at = Number(doc.dataset.start);
  let begun = false;
  start = Math.max(start, at);
  for (const node of nodes) {
    const size = codePoints(node.data);
    if (!begun && start < at + size) {
      range.setStart(node, unitIndex(node.data, start - at));
      begun = true;
    }
    if (begun && end <= at + size) {
      range.setEnd(node, unitIndex(node.data, end - at));
      return range;
    }
    at += size;
  }
  if (!begun) return null;
  const last = nodes[nodes.length - 1];
  range.setEnd(last, last.data.length);
  return range;
}

// One highlight for every note view on the page (each view keeps its own range in it),
// shared by every copy of this module that the page loads.
const SELECTED =
  typeof CSS !== "undefined" && CSS.highlights
    ? CSS.highlights.get("rk-selection") || new Highlight()
    : null;
if (SELECTED) CSS.highlights.set("rk-selection", SELECTED);

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "rk-note";
  box.tabIndex = 0;
  box.setAttribute("role", "document");
  box.setAttribute("aria-label", "Note text: select a passage with the mouse to code it");
  el.appendChild(box);

  // The code-point offset of a DOM position: the text from the note's start up to it.
  function offsetOf(doc, node, offset) {
    const range = document.createRange();
    const style = doc.querySelector("style");
    if (style) range.setStartAfter(style); else range.setStart(doc, 0);
    try {
      range.setEnd(node, offset);
    } catch (error) {
      return null;
    }
    return Number(doc.dataset.start) + codePoints(range.toString());
  }

  function draw() {
    const began = performance.now();
    box.innerHTML = model.get("value");
    void box.offsetHeight;  // lay out now, so the time below includes it
    box.dataset.renderMs = String(performance.now() - began);
    // ...and until the frame after it is painted (a view not yet on the page lays out later)
    requestAnimationFrame(() => requestAnimationFrame(() => {
      box.dataset.frameMs = String(performance.now() - began);
    }));
    box.dataset.drawn = String(Number(box.dataset.drawn || 0) + 1);
    mark();
  }

  // Show the selection without redrawing the note: a CSS highlight over a DOM range (the
  // browser's own selection where CSS highlights are not supported), scrolled into view.
  let marked = null;
  function mark() {
    if (SELECTED && marked) SELECTED.delete(marked);
    marked = null;
    const doc = box.querySelector(".rk-doc");
    const span = model.get("selection") || [];
    if (doc && span.length === 2) marked = rangeOf(doc, span[0], span[1]);
    if (marked && SELECTED) {
      SELECTED.add(marked);
    } else if (marked) {
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(marked);
    }
    if (marked) {
      const where = marked.getBoundingClientRect();
      const view = el.getBoundingClientRect();
      if (where.top < view.top || where.bottom > view.bottom) {
        el.scrollTop += where.top - view.top - el.clientHeight / 3;
      }
    }
    box.dataset.marked = String(Number(box.dataset.marked || 0) + 1);
  }

  function onMouseUp(event) {
    const doc = box.querySelector(".rk-doc");
    const selection = window.getSelection();
    if (!doc || !selection || selection.rangeCount === 0) return;
    const range = selection.getRangeAt(0);
    if (!doc.contains(range.startContainer) && !doc.contains(range.endContainer)) return;
    if (range.collapsed) {
      const offset = offsetOf(doc, range.startContainer, range.startOffset);
      if (offset !== null) model.send({ kind: "click", offset: offset });
      return;
    }
    const start = doc.contains(range.startContainer)
      ? offsetOf(doc, range.startContainer, range.startOffset)
      : Number(doc.dataset.start);
    const end = doc.contains(range.endContainer)
      ? offsetOf(doc, range.endContainer, range.endOffset)
      : Number(doc.dataset.end);
    if (start !== null && end !== null && start < end) {
      model.send({ kind: "select", start: start, end: end });
    }
  }

  function onKeyDown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !SHORTCUTS.has(event.key)) return;
    event.preventDefault();
    model.send({ kind: "key", key: event.key });
  }

  const onFocus = () => model.send({ kind: "focus" });
  const poll = setInterval(() => {
    if (!document.hidden) model.send({ kind: "poll" });
  }, Math.max(1, model.get("poll_seconds")) * 1000);

  draw();
  model.on("change:value", draw);
  model.on("change:selection", mark);
  box.addEventListener("mouseup", onMouseUp);
  box.addEventListener("keydown", onKeyDown);
  window.addEventListener("focus", onFocus);
  return () => {
    clearInterval(poll);
    window.removeEventListener("focus", onFocus);
    model.off("change:value", draw);
    model.off("change:selection", mark);
    if (SELECTED && marked) SELECTED.delete(marked);
  };
}

export default { render };
""".replace("__KEYS__", "[" + ", ".join(f'"{key}"' for key in SHORTCUT_KEYS) + "]")

_CSS = """
.rk-note { outline: none; min-height: 100%; }
.rk-note:focus-visible { box-shadow: inset 0 0 0 2px #4477aa; }
.rk-note .h { cursor: pointer; }
::highlight(rk-selection) { background-color: #ffe58f; }
"""


class NoteView(anywidget.AnyWidget):
    """Highlighted note text that reports mouse selections, clicks and shortcut keys.

    Parameters
    ----------
    value : str
        The HTML to show (from :func:`~research_kit.widgets.render_document_html`).
    selection : list of int
        ``[start, end]`` of the selected span (code points), marked in the browser without
        redrawing the note; ``[]`` for none.
    poll_seconds : float
        How often a visible page asks whether the codebook changed.

    Examples
    --------
    >>> view = NoteView(value="<div class='rk-doc' data-start='0'>Rent</div>")
    >>> seen = []
    >>> view.on_event("select", lambda message: seen.append(message["end"]))
    >>> view.receive({"kind": "select", "start": 0, "end": 4})
    >>> seen
    [4]
    """

    _esm = traitlets.Unicode(_ESM).tag(sync=True)
    _css = traitlets.Unicode(_CSS).tag(sync=True)
    value = traitlets.Unicode("").tag(sync=True)
    selection = traitlets.List(traitlets.Int(), default_value=[]).tag(sync=True)
    poll_seconds = traitlets.Float(3.0).tag(sync=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._handlers: dict[str, Callable[[dict], None]] = {}
        self.on_msg(lambda _widget, content, _buffers: self.receive(content))

    def on_event(self, kind: str, handler: Callable[[dict], None]) -> None:
        """Call ``handler(message)`` for every message of this ``kind`` from the browser."""
        self._handlers[kind] = handler

    def receive(self, message: dict) -> None:
        """Handle one message as if the browser had sent it (unknown kinds are ignored)."""
        handler = self._handlers.get(message.get("kind")) if isinstance(message, dict) else None
        if handler is not None:
            handler(message)


def _in_word(character: str) -> bool:
    return character.isalnum() or character in "_'’"


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Widen a selection to whole words and trim the white space at its ends.

    A selection that starts or ends inside a word takes the whole word, as QDA tools do;
    ``None`` when nothing but white space was selected. Offsets are code points.

    Examples
    --------
    >>> text = "The permit took 😀 months to arrive."
    >>> start, end = snap_to_words(text, 6, 13)
    >>> text[start:end]
    'permit took'
    >>> text[slice(*snap_to_words(text, 15, 19))]
    '😀 months'
    >>> snap_to_words(text, 3, 4) is None
    True
    """
    start, end = max(0, int(start)), min(len(text), int(end))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    while start > 0 and _in_word(text[start - 1]) and _in_word(text[start]):
        start -= 1
    while end < len(text) and _in_word(text[end - 1]) and _in_word(text[end]):
        end += 1
    return start, end
