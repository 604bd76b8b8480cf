"""gpt4free's request helpers: the prompt from messages, and the size from an aspect ratio."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import BadRequestError, shown

# gpt4free's `use_aspect_ratio` table. Some sizes suit no Space (682, 440, 1040): every
# provider snaps the result to its own bounds afterwards.
ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "16:9": (1024, 576),
    "9:16": (576, 1024),
    "4:3": (1024, 768),
    "3:4": (768, 1024),
    "3:2": (1024, 682),
    "2:3": (682, 1024),
    "21:9": (1024, 440),
    "9:21": (440, 1024),
    "4:5": (832, 1040),
    "5:4": (1040, 832),
    "2:1": (1024, 512),
    "1:2": (512, 1024),
}

Messages = str | Mapping[str, Any] | Sequence[str | Mapping[str, Any]] | None


def _message_text(message: str | Mapping[str, Any]) -> str | None:
    """The text of one message; None for a message that is not from the user."""
    if isinstance(message, str):
        return message
    if message.get("role", "user") != "user":
        return None
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        # OpenAI-style content parts: [{"type": "text", "text": "..."}, ...]
        parts = [part.get("text") for part in content if isinstance(part, Mapping)]
        return " ".join(part for part in parts if isinstance(part, str) and part)
    raise BadRequestError(
        f"a message's content must be text, not {type(content).__name__}", field="messages"
    )


def format_image_prompt(messages: Messages, prompt: str | None = None) -> str:
    """The prompt if given, else the last user message.

    Accepts every form the seed documents use: a string, one message dict, or a list of
    strings and/or message dicts.
    """
    if prompt is not None:
        if not isinstance(prompt, str):
            raise BadRequestError(
                f"prompt must be text, not {type(prompt).__name__}.", field="prompt", reason="text"
            )
        if prompt.strip():
            return prompt.strip()
    if messages is None:
        return ""
    if isinstance(messages, str | Mapping):
        messages = [messages]
    if not isinstance(messages, Sequence):
        raise BadRequestError(
            f"messages must be text, a message dict or a list of them, "
            f"not {type(messages).__name__}",
            field="messages",
        )
    for message in reversed(messages):
        if not isinstance(message, str | Mapping):
            raise BadRequestError(
                f"messages must hold strings or dicts with 'role' and 'content', "
                f"not {type(message).__name__}",
                field="messages",
            )
        text = _message_text(message)
        if text is not None and text.strip():
            return text.strip()
    return ""


def use_aspect_ratio(extra: Mapping[str, Any], aspect_ratio: str | None) -> dict[str, Any]:
    """gpt4free's helper: fill in width and height from the ratio unless both are given.

    An explicit width and height win over the ratio; with only one of them given, the ratio
    sets the other.
    """
    result = dict(extra)
    ratio = aspect_ratio or "1:1"
    if not isinstance(ratio, str) or ratio not in ASPECT_RATIOS:
        raise BadRequestError(
            f"Unknown aspect ratio {shown(ratio)}. Choose one of: {', '.join(ASPECT_RATIOS)}.",
            field="aspect_ratio",
            reason="aspect_ratio",
            value=shown(ratio),
            choices=", ".join(ASPECT_RATIOS),
        )
    ratio_width, ratio_height = ASPECT_RATIOS[ratio]
    width, height = result.get("width"), result.get("height")
    if width is None and height is None:
        width, height = ratio_width, ratio_height
    elif height is None:  # one side given: the ratio sets the other
        height = round(width * ratio_height / ratio_width)
    elif width is None:
        width = round(height * ratio_width / ratio_height)
    result["width"], result["height"] = width, height
    return result
