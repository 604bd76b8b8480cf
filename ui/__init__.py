"""The page's parts, one module each: `single` (one image), `compare` (one prompt, several
models), `gallery` (the visitor's images), `history` (those images kept in the visitor's
browser), `quota` (their GPU quota estimate); and what they share: `generations` (running a
request for a page event), `i18n` (every text in English and Russian), `text` (escaping),
`into_view` (scrolling on a phone), `tools` (the MCP tools' descriptions).

Each part has a builder that lays it out inside the current Blocks, wires its own events and
returns the few components other parts touch. `app.py` composes them. No part names a Space:
they ask `canvas` and the registry.
"""

from __future__ import annotations

import gradio as gr


def on_page_load(fn, **listener):
    """Run `fn` when a browser loads the page (`demo.load`), from inside a part's builder."""
    page = gr.context.Context.root_block
    if page is None:
        raise RuntimeError("a part is built inside `with gr.Blocks()`")
    return page.load(fn, **listener)
