"""The session's images: the gallery, the selected image's parameters, its Reuse button, and
"Download all" (every image of the session as one zip of PNGs, each with its parameters).

Reuse is wired by the part that owns the form it fills (`single`); this part only says which
image is selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from canvas import archive
from canvas.generation import ImageRecord

from .i18n import ENGLISH, caption, language_of, say, t

NEWEST_SELECTOR = "#gallery .grid-container .thumbnail-item"  # the first is the newest


@dataclass(frozen=True)
class Gallery:
    gallery: gr.Gallery
    selected: gr.State  # id of the image selected in the gallery, or None
    reuse_button: gr.Button


def items(history: list[ImageRecord], language: str = ENGLISH) -> list:
    """The gallery's value for a history, newest first."""
    return [(record.path, caption(record, language)) for record in history]


def details(record: ImageRecord, language: str = ENGLISH) -> str:
    # The parameters stay in the format other Stable Diffusion tools read.
    file = say("file", language, name=Path(record.path).name)
    return f"{record.parameters.to_text()}\n\n{file}"


def selected_record(
    history: list[ImageRecord], selected: str | None, language: str = ENGLISH
) -> ImageRecord:
    """The selected image's record, or an error saying to select one."""
    record = next((r for r in history or [] if r.id == selected), None)
    if record is None:
        raise gr.Error(say("nothing_selected", language))
    return record


def on_select(history: list[ImageRecord], event: gr.SelectData, request: gr.Request):
    record = _record_for(history, event)
    if record is None:  # not an image of this session's history: nothing to reuse
        return "", None, gr.update(interactive=False), gr.skip()
    text = details(record, language_of(request))
    return text, record.id, gr.update(interactive=True), gr.update(open=True)


def download_all_handler(zip_dir: Path):
    def on_download_all(history: list[ImageRecord], request: gr.Request):
        """The session's images, oldest first, as one zip."""
        if not history:
            raise gr.Error(say("nothing_to_download", language_of(request)))
        path = archive.zip_images(list(reversed(history)), zip_dir)
        return gr.update(value=str(path), visible=True)

    return on_download_all


def _record_for(history: list[ImageRecord], event: gr.SelectData) -> ImageRecord | None:
    """The record behind a clicked gallery item, found by file name: the click may be about
    a gallery that an arriving image has since shifted."""
    value = event.value or {}
    image = value.get("image") if isinstance(value, dict) else None
    names = (
        {Path(str(image.get(key) or "")).name for key in ("orig_name", "path")} if image else set()
    )
    return next((r for r in history or [] if Path(r.path).name in names), None)


def build(history: gr.State, zip_dir: Path) -> Gallery:
    """Lay out the gallery, its selected-image panel and "Download all" here, and wire them;
    zips are made in `zip_dir`."""
    gallery = gr.Gallery(
        label=t("gallery"),
        columns=2,
        height="auto",
        object_fit="contain",
        buttons=["download", "fullscreen"],
        elem_id="gallery",
    )
    selected = gr.State(None)
    with gr.Accordion(t("selected"), open=False) as selected_panel:
        parameters = gr.Textbox(
            label=t("parameters"), lines=4, interactive=False, buttons=["copy"],
            placeholder=t("parameters_placeholder"), elem_id="parameters",
        )  # fmt: skip
        reuse_button = gr.Button(t("reuse"), interactive=False, elem_id="reuse")
    # Made on demand: zipping the whole session on every new image would copy it each time.
    download_all = gr.Button(t("download_session"), size="sm", elem_id="download-all")
    zipped = gr.File(
        label=t("session_zip"), visible=False, interactive=False, elem_id="session-zip"
    )

    gallery.select(
        on_select,
        inputs=[history],
        outputs=[parameters, selected, reuse_button, selected_panel],
        api_visibility="private",
        queue=False,
    )
    download_all.click(
        download_all_handler(zip_dir),
        inputs=[history],
        outputs=[zipped],
        api_visibility="private",
        concurrency_limit=None,  # disk work of moments, not an upstream job
    )
    return Gallery(gallery=gallery, selected=selected, reuse_button=reuse_button)
