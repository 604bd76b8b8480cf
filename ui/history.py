"""The visitor's history, kept in their own browser: it survives reloads and app restarts.

The page works with `history`, a `gr.State` of `ImageRecord`s, newest first. Every change to
it is saved into a `gr.BrowserState` (the browser's localStorage, under a fixed key and the
operator's secret), and a page load restores it from there. A part whose images join the
history only puts them in with `canvas.history.with_image`: saving follows by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from canvas import history as entries
from canvas.settings import Settings

from . import gallery as gallery_part
from . import on_page_load
from .i18n import language_of, t

STORAGE_KEY = "space-canvas-history"


@dataclass(frozen=True)
class History:
    saved: gr.BrowserState  # the history as the browser keeps it (JSON)
    clear_button: gr.Button


def build(
    history: gr.State, images: gallery_part.Gallery, settings: Settings, image_dir: Path
) -> History:
    """Lay out the Clear control here; restore the history on load, save it on change."""
    saved = gr.BrowserState([], storage_key=STORAGE_KEY, secret=settings.history_secret)
    clear_button = gr.Button(
        t("clear_history"), size="sm", variant="secondary", elem_id="clear-history"
    )

    def restore(value, request: gr.Request):
        records = entries.restored(value, image_dir, settings.history_size)
        if not records:  # a new visitor, or a cleared history: the page is right as it is
            return gr.skip(), gr.skip()
        return records, gallery_part.items(records, language_of(request))

    def clear():
        return [], *images.emptied()

    on_page_load(restore, inputs=[saved], outputs=[history, images.gallery])
    history.change(
        entries.saved,
        inputs=[history],
        outputs=[saved],
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )
    clear_button.click(
        clear,
        outputs=[history, *images.emptied_outputs],
        api_visibility="private",
        # Through the queue: only queued events report a changed State, which saves it.
        concurrency_limit=None,
    )
    return History(saved=saved, clear_button=clear_button)
