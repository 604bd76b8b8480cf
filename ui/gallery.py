"""The session's images: the gallery, the selected image's parameters, and its Reuse button.

Reuse is wired by the part that owns the form it fills (`single`); this part only says which
image is selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from canvas.generation import ImageRecord

LABEL = "Your images"
SELECTED_LABEL = "Selected image"
PARAMETERS_LABEL = "Parameters"
PARAMETERS_PLACEHOLDER = "Click an image to see how it was made"
REUSE_LABEL = "Reuse these settings"
NOTHING_SELECTED = "Select an image in the gallery first."
NEWEST_SELECTOR = "#gallery .grid-container .thumbnail-item"  # the first is the newest


@dataclass(frozen=True)
class Gallery:
    gallery: gr.Gallery
    selected: gr.State  # id of the image selected in the gallery, or None
    reuse_button: gr.Button


def items(history: list[ImageRecord]) -> list:
    """The gallery's value for a history, newest first."""
    return [(record.path, record.caption) for record in history]


def details(record: ImageRecord) -> str:
    return f"{record.parameters.to_text()}\n\nFile: {Path(record.path).name}"


def selected_record(history: list[ImageRecord], selected: str | None) -> ImageRecord:
    """The selected image's record, or an error saying to select one."""
    record = next((r for r in history or [] if r.id == selected), None)
    if record is None:
        raise gr.Error(NOTHING_SELECTED)
    return record


def on_select(history: list[ImageRecord], event: gr.SelectData):
    record = _record_for(history, event)
    if record is None:  # not an image of this session's history: nothing to reuse
        return "", None, gr.update(interactive=False), gr.skip()
    return details(record), record.id, gr.update(interactive=True), gr.update(open=True)


def _record_for(history: list[ImageRecord], event: gr.SelectData) -> ImageRecord | None:
    """The record behind a clicked gallery item, found by file name: the click may be about
    a gallery that an arriving image has since shifted."""
    value = event.value or {}
    image = value.get("image") if isinstance(value, dict) else None
    names = (
        {Path(str(image.get(key) or "")).name for key in ("orig_name", "path")} if image else set()
    )
    return next((r for r in history or [] if Path(r.path).name in names), None)


def build(history: gr.State) -> Gallery:
    """Lay out the gallery and its selected-image panel here, and wire selection."""
    gallery = gr.Gallery(
        label=LABEL,
        columns=2,
        height="auto",
        object_fit="contain",
        buttons=["download", "fullscreen"],
        elem_id="gallery",
    )
    selected = gr.State(None)
    with gr.Accordion(SELECTED_LABEL, open=False) as selected_panel:
        parameters = gr.Textbox(
            label=PARAMETERS_LABEL, lines=4, interactive=False, buttons=["copy"],
            placeholder=PARAMETERS_PLACEHOLDER, elem_id="parameters",
        )  # fmt: skip
        reuse_button = gr.Button(REUSE_LABEL, interactive=False, elem_id="reuse")

    gallery.select(
        on_select,
        inputs=[history],
        outputs=[parameters, selected, reuse_button, selected_panel],
        api_visibility="private",
        queue=False,
    )
    return Gallery(gallery=gallery, selected=selected, reuse_button=reuse_button)
