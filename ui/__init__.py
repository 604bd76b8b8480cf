"""The page's parts, one module each: `single` (one image), `gallery` (the visitor's images),
`history` (those images kept in the visitor's browser), `quota` (their GPU quota estimate).

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
