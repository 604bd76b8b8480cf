"""The page's parts, one module each: `single` (one image), `compare` (one prompt, several
models), `gallery` (the visitor's images), `history` (those images kept in the visitor's
browser), `quota` (their GPU quota estimate); and what they share: `generations` (running a
request for a page event), `i18n` (every text in English and Russian), `text` (escaping),
`into_view` (scrolling on a phone), `tools` (the MCP tools' descriptions).

Each part has a builder that lays it out inside the current Blocks, wires its own events and
returns the few components other parts touch. `app.py` composes them. No part names a Space:
they ask `canvas` and the registry. What each part does when a browser loads the page is
given to `on_page_load`, and `load_page_in_one_event` runs all of it as one event.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass

import gradio as gr

log = logging.getLogger("space_canvas")


@dataclass(frozen=True)
class PageLoadStep:
    fn: object
    inputs: tuple
    outputs: tuple
    takes: frozenset  # which of `request` and `profile` fn takes, read once from its signature


_PAGE_LOAD_STEPS: dict[int, list[PageLoadStep]] = {}  # id of the page's Blocks -> steps


def on_page_load(fn, inputs=(), outputs=()):
    """Run `fn(*inputs)` when a browser loads the page, from inside a part's builder; it may
    take `request` (gr.Request) and `profile` (gr.OAuthProfile | None) by those names, and
    returns a value per output (gr.skip() leaves one as it is)."""
    page = gr.context.Context.root_block
    if page is None:
        raise RuntimeError("a part is built inside `with gr.Blocks()`")
    takes = frozenset(inspect.signature(fn).parameters) & {"request", "profile"}
    _PAGE_LOAD_STEPS.setdefault(id(page), []).append(
        PageLoadStep(fn, tuple(inputs), tuple(outputs), takes)
    )


def load_page_in_one_event(page: gr.Blocks) -> None:
    """Wire every part's page-load step as one private event: one request per first view
    instead of one per part. Steps run in the order they were given; where two write the
    same output, the later one's value wins unless it is gr.skip()."""
    steps = _PAGE_LOAD_STEPS.pop(id(page), [])
    if not steps:
        return
    inputs = {component for step in steps for component in step.inputs}
    outputs = list(dict.fromkeys(component for step in steps for component in step.outputs))

    def page_loaded(values: dict, request: gr.Request, profile: gr.OAuthProfile | None = None):
        updates = {}
        for step in steps:
            arguments = [values[component] for component in step.inputs]
            try:
                specials = {"request": request, "profile": profile}
                results = step.fn(*arguments, **{name: specials[name] for name in step.takes})
                if results == gr.skip():  # one skip for all of the step's outputs
                    continue
                if len(step.outputs) == 1:
                    results = (results,)
                given = dict(zip(step.outputs, results, strict=True))
            except Exception:  # one part's failure must not leave the others unrestored
                log.exception("a page-load step failed: %s", getattr(step.fn, "__name__", step))
                continue
            updates |= {c: value for c, value in given.items() if value != gr.skip()}
        return {component: updates.get(component, gr.skip()) for component in outputs}

    page.load(
        page_loaded,
        inputs=inputs,
        outputs=outputs,
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )
