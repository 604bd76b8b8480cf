"""Text for the page: anything from a person or an upstream is escaped, never markup."""

from __future__ import annotations

import html
import re

from canvas import models
from providers import BadRequestError

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


def model_note(controls: models.ModelControls) -> str:
    anonymous, signed_in = models.images_a_day(controls)
    note = (
        f"{plain(controls.description)}  \n"
        f"{controls.steps.default} steps; each image reserves {controls.gpu_seconds} s of your "
        f"free GPU quota: about {anonymous} a day without an account, {signed_in} signed in."
    )
    if controls.changed:
        instead = (
            f"{plain(', '.join(controls.fallbacks))} makes your images instead"
            if controls.fallbacks
            else "pick another model meanwhile"
        )
        note = f"⚠️ **This Space has changed** \\({plain(controls.changed)}\\): {instead}.  \n{note}"
    return note


def current_model_note(model: str) -> str:
    """The note as it stands now (a Space may have been found changed since start-up)."""
    try:
        return model_note(models.controls(model))
    except BadRequestError as error:
        return status_line(error.message, error=True)


def size_note(model: str, aspect_ratio: str, width, height) -> str:
    size = models.size_for(model, aspect_ratio, width or None, height or None)
    if size is None:
        return "Size: check width and height (32 to 4096)."
    ratio = models.ratio_for(model, aspect_ratio, width or None, height or None)
    if ratio is None:
        return f"Size on this model: {size[0]} × {size[1]}"
    nearest = "" if ratio == aspect_ratio and not (width or height) else ", the nearest it offers"
    return f"Size on this model: {size[0]} × {size[1]} (the Space picks it for {ratio}{nearest})"
