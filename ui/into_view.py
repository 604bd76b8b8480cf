"""Bring what a person waits for into view as it arrives.

On a phone the live preview and the gallery stand below the whole form, a screen or more
under the Generate button: pressing it seemed to do nothing. Each listener runs in the browser
only (no server round trip) and scrolls only when its target is not already wholly in view,
so a desktop page, where both are in sight, does not move.
"""

from __future__ import annotations

import json

import gradio as gr

# `value` is the component's new value; an empty one (hidden preview, empty gallery) ends a
# showing. The target is drawn after the listener runs, and its image sizes it once loaded,
# so the check waits for the element (a few frames at most) and again for the image.
_SCRIPT = """
(value) => {
  const selector = %(selector)s, firstOnly = %(first_only)s;
  const shown = (window.spaceCanvasShown ??= {});
  if (!value || (Array.isArray(value) && value.length === 0)) {
    shown[selector] = false;
    return [];
  }
  if (firstOnly && shown[selector]) return [];
  shown[selector] = true;
  const bring = (target) => {
    const box = target.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= window.innerHeight) return;
    const block = box.height > window.innerHeight ? "start" : "nearest";
    target.scrollIntoView({block, behavior: "smooth"});
  };
  const find = (framesLeft) => {
    const target = document.querySelector(selector);
    if (!target || target.getBoundingClientRect().height === 0) {
      if (framesLeft > 0) requestAnimationFrame(() => find(framesLeft - 1));
      return;
    }
    const image = target.matches("img") ? target : target.querySelector("img");
    if (image && !image.complete) image.addEventListener("load", () => bring(target), {once: true});
    bring(target);
  };
  requestAnimationFrame(() => find(60));
  return [];
}
"""


def script(selector: str, *, first_only: bool) -> str:
    return _SCRIPT % {"selector": json.dumps(selector), "first_only": json.dumps(first_only)}


def follow(
    component: gr.components.Component,
    selector: str,
    *,
    first_only: bool,
    when: gr.events.Dependency | None = None,
) -> None:
    """When `component` gets a value, scroll the element at `selector` into view if it is not;
    `first_only`: only for the first value since it was last empty (a stream of previews).
    `when`: only after that event succeeds, not at every change (a history restored on load
    fills the gallery too, and must leave the page at its top)."""
    listener = when.success if when is not None else component.change
    listener(
        None,
        inputs=[component],
        js=script(selector, first_only=first_only),
        api_visibility="private",
        queue=False,
    )
