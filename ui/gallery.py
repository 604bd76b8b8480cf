"""The visitor's images: the gallery, the selected image's parameters, its Reuse button and
settings link, and "Download all" (every image as one zip of PNGs, each with its parameters).

Reuse is wired by the part that owns the form it fills (`single`); this part only says which
image is selected. The images are the visitor's history (`ui.history` keeps it in their
browser); one whose file the app has since pruned is shown as expired, settings intact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from canvas import archive, links
from canvas import history as history_entries
from canvas.generation import ImageRecord

from .i18n import ENGLISH, caption, language_of, say, t

NEWEST_SELECTOR = "#gallery .grid-container .thumbnail-item"  # the first is the newest
# What stands in the gallery for an image whose file is gone: an empty frame with an
# hourglass, no words (its caption says it in the visitor's language). A file, not an image
# made here: Gradio would encode an image again for every gallery update (30 ms each).
EXPIRED_IMAGE = Path(__file__).resolve().parent.parent / "assets" / "expired.png"


@dataclass(frozen=True)
class Gallery:
    gallery: gr.Gallery
    selected: gr.State  # id of the image selected in the gallery, or None
    reuse_button: gr.Button
    # What shows the selected image and the zip, for `emptied()` when the history is cleared.
    emptied_outputs: tuple

    @staticmethod
    def emptied() -> tuple:
        """Values for `emptied_outputs` once the history is empty: no image, nothing selected."""
        return [], "", None, gr.update(interactive=False), "", gr.update(value=None, visible=False)


def items(history: list[ImageRecord], language: str = ENGLISH) -> list:
    """The gallery's value for a history, newest first; an expired image as a placeholder."""
    return [
        (str(EXPIRED_IMAGE), expired_caption(record, language))
        if history_entries.is_expired(record)
        else (record.path, caption(record, language))
        for record in history
    ]


def expired_caption(record: ImageRecord, language: str) -> str:
    return f"{caption(record, language)} · {say('expired', language)}"


def details(record: ImageRecord, language: str = ENGLISH) -> str:
    # The parameters stay in the format other Stable Diffusion tools read.
    made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(record.created))
    made = f"{say('made', language, time=made)}\n" if record.created else ""
    if history_entries.is_expired(record):
        file = say("file_expired", language)
    else:
        file = say("file", language, name=Path(record.path).name)
    return f"{record.parameters.to_text()}\n\n{made}{file}"


def link(record: ImageRecord, language: str = ENGLISH) -> str:
    """A Markdown link to this page with the image's settings in its query."""
    return f"[{say('settings_link', language)}]({links.query_for(record)})"


def selected_record(
    history: list[ImageRecord], selected: str | None, language: str = ENGLISH
) -> ImageRecord:
    """The selected image's record, or an error saying to select one."""
    record = next((r for r in history or [] if r.id == selected), None)
    if record is None:
        raise gr.Error(say("nothing_selected", language))
    return record


def on_select(history: list[ImageRecord], event: gr.SelectData, request: gr.Request):
    language = language_of(request)
    record = _record_for(history, event, language)
    if record is None:  # not an image of this visitor's history: nothing to reuse
        return "", None, gr.update(interactive=False), "", gr.skip()
    shown = details(record, language), record.id, gr.update(interactive=True)
    return *shown, link(record, language), gr.update(open=True)


def download_all_handler(zip_dir: Path):
    def on_download_all(history: list[ImageRecord], request: gr.Request):
        """The visitor's images, oldest first, as one zip (an expired one is left out)."""
        if not history:
            raise gr.Error(say("nothing_to_download", language_of(request)))
        kept = [r for r in reversed(history) if not history_entries.is_expired(r)]
        if not kept:
            raise gr.Error(say("nothing_to_download", language_of(request)))
        path = archive.zip_images(kept, zip_dir)
        return gr.update(value=str(path), visible=True)

    return on_download_all


def _record_for(
    history: list[ImageRecord], event: gr.SelectData, language: str
) -> ImageRecord | None:
    """The record behind a clicked gallery item, found by file name: the click may be about
    a gallery that an arriving image has since shifted. Expired images share one
    placeholder: one is found by its place, if the caption there still matches."""
    value = event.value or {}
    image = value.get("image") if isinstance(value, dict) else None
    names = (
        {Path(str(image.get(key) or "")).name for key in ("orig_name", "path")} if image else set()
    )
    found = next((r for r in history or [] if Path(r.path).name in names), None)
    if found is not None or not isinstance(event.index, int):
        return found
    caption_shown = value.get("caption") if isinstance(value, dict) else None
    at = history[event.index] if 0 <= event.index < len(history or []) else None
    return at if at is not None and caption_shown == expired_caption(at, language) else None


def build(history: gr.State, zip_dir: Path) -> Gallery:
    """Lay out the gallery, its selected-image panel and "Download all" here, and wire them;
    zips are made in `zip_dir`."""
    gallery = gr.Gallery(
        label=t("gallery"),
        columns=2,
        height="auto",
        object_fit="contain",
        buttons=["download", "fullscreen"],
        # Shows what was made: left to Gradio 6.31, an empty gallery offers an upload.
        interactive=False,
        elem_id="gallery",
    )
    selected = gr.State(None)
    with gr.Accordion(t("selected"), open=False) as selected_panel:
        parameters = gr.Textbox(
            label=t("parameters"), lines=4, interactive=False, buttons=["copy"],
            placeholder=t("parameters_placeholder"), elem_id="parameters",
        )  # fmt: skip
        reuse_button = gr.Button(t("reuse"), interactive=False, elem_id="reuse")
        settings_link = gr.Markdown("", elem_id="settings-link")
    # Made on demand: zipping the whole session on every new image would copy it each time.
    download_all = gr.Button(t("download_session"), size="sm", elem_id="download-all")
    zipped = gr.File(
        label=t("session_zip"), visible=False, interactive=False, elem_id="session-zip"
    )

    gallery.select(
        on_select,
        inputs=[history],
        outputs=[parameters, selected, reuse_button, settings_link, selected_panel],
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
    return Gallery(
        gallery=gallery,
        selected=selected,
        reuse_button=reuse_button,
        emptied_outputs=(gallery, parameters, selected, reuse_button, settings_link, zipped),
    )
