"""Text for the page: anything from a person or an upstream is escaped, never markup."""

from __future__ import annotations

import html
import re

from canvas import models

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
    return plain(controls.description)


def size_note(model: str, aspect_ratio: str, width, height) -> str:
    size = models.size_for(model, aspect_ratio, width or None, height or None)
    if size is None:
        return "Size: check width and height (32 to 4096)."
    return f"Size on this model: {size[0]} × {size[1]}"
