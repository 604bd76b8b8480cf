"""Text for the page: anything from a person or an upstream is escaped, never markup."""

from __future__ import annotations

import html
import re

import gradio as gr

from canvas import models
from providers import BadRequestError

from .i18n import ENGLISH, error_text, language_of, model_description, say

# ":" too: the Markdown renderer links "https://..." before it reads escapes, so an escaped
# URL became a link full of backslashes. With its colon escaped it stays plain text.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~:])")


def plain(text: str) -> str:
    """Text shown verbatim inside Markdown: no HTML, no Markdown syntax."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", no_markup(text))


def no_markup(text: str) -> str:
    """Text for places that render HTML (error pop-ups): shown as typed, never as markup."""
    return html.escape(text, quote=False)


def status_line(text: str, *, error: bool = False) -> str:
    return f"{'⚠️ ' if error else ''}{plain(text)}"


def model_note(controls: models.ModelControls, language: str = ENGLISH) -> str:
    anonymous, signed_in = models.images_a_day(controls)
    note = f"{plain(model_description(controls.name, language))}  \n" + say(
        "model_quota",
        language,
        steps=controls.steps.default,
        gpu=controls.gpu_seconds,
        anonymous=anonymous,
        signed_in=signed_in,
    )
    if controls.changed:
        instead = (
            say("changed_instead", language, models=plain(", ".join(controls.fallbacks)))
            if controls.fallbacks
            else say("changed_pick", language)
        )
        changed = say("changed_space", language, reason=plain(controls.changed), instead=instead)
        note = f"{changed}  \n{note}"
    return note


def current_model_note(model: str, request: gr.Request | None = None) -> str:
    """The note as it stands now (a Space may have been found changed since start-up)."""
    language = language_of(request)
    try:
        return model_note(models.controls(model), language)
    except BadRequestError as error:
        return status_line(error_text(error, language), error=True)


def size_note(model: str, aspect_ratio: str, width, height, language: str) -> str:
    size = models.size_for(model, aspect_ratio, width or None, height or None)
    if size is None:
        return say("size_invalid", language)
    ratio = models.ratio_for(model, aspect_ratio, width or None, height or None)
    size_text = f"{say('size_on_model', language)} {size[0]} × {size[1]}"
    if ratio is None:
        return size_text
    nearest = "" if ratio == aspect_ratio and not (width or height) else say("nearest", language)
    return size_text + say("size_ratio", language, ratio=ratio, nearest=nearest)
