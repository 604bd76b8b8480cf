"""A visitor's images, kept in their own browser: an entry's shape, the cap, and expiry.

The page holds the history as `ImageRecord`s; the browser keeps it as JSON (`saved`) so it
survives reloads and restarts. What comes back from a browser is untrusted: only entries of
the right shape are kept, and an entry names its file only by a plain PNG name inside the
app's image folder, never by a path. The server keeps nothing more than that pruned folder,
so an entry can outlive its file: it is then `expired`, and its settings still work.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from providers import MAX_PROMPT_CHARS

from .generation import ImageRecord
from .pnginfo import GenerationParameters

_IMAGE_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex, as generation makes them
_FILE_NAME = re.compile(r"[^\W_][\w-]*\.png")  # as generation names the PNGs: no dots, no slashes
_TEXT_LIMIT = 200  # model names, labels, Space ids


def with_image(history: list[ImageRecord] | None, record: ImageRecord, cap: int):
    """The history with `record` first, at most `cap` entries: how any new image joins it."""
    return [record, *(r for r in history or [] if r.id != record.id)][: max(cap, 0)]


def is_expired(record: ImageRecord) -> bool:
    """Whether the image's file is gone (pruned by the app's folder bounds)."""
    return not Path(record.path).is_file()


def saved(history: list[ImageRecord] | None) -> list[dict[str, Any]]:
    """The history as the browser keeps it: JSON, newest first, no server paths."""
    return [_entry(record) for record in history or []]


def restored(value: Any, image_dir: Path, cap: int) -> list[ImageRecord]:
    """The history a browser sent back: its well-formed entries, newest first, at most `cap`.

    Anything malformed (an old format, an edited value) is dropped rather than trusted.
    """
    entries = value if isinstance(value, list) else []
    records: list[ImageRecord] = []
    for entry in entries:
        record = _record(entry, image_dir)
        if record is not None and all(r.id != record.id for r in records):
            records.append(record)
        if len(records) >= cap:
            break
    return records


def _entry(record: ImageRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "file": Path(record.path).name,  # the image's address inside the app's image folder
        "model": record.model,
        "model_label": record.model_label,
        "created": record.created,
        "parameters": asdict(record.parameters),
    }


def _record(entry: Any, image_dir: Path) -> ImageRecord | None:
    if not isinstance(entry, dict):
        return None
    image_id, file, p = entry.get("id"), entry.get("file"), entry.get("parameters")
    if not (
        isinstance(image_id, str)
        and _IMAGE_ID.fullmatch(image_id)
        and isinstance(file, str)
        and len(file) <= _TEXT_LIMIT
        and _FILE_NAME.fullmatch(file)
        and isinstance(p, dict)
    ):
        return None
    try:
        parameters = GenerationParameters(
            prompt=_text(p.get("prompt"), MAX_PROMPT_CHARS),
            negative_prompt=_text(p.get("negative_prompt", ""), MAX_PROMPT_CHARS),
            steps=None if p.get("steps") is None else _whole(p["steps"]),
            guidance_scale=None if p.get("guidance_scale") is None else _real(p["guidance_scale"]),
            seed=_whole(p.get("seed")),
            width=_whole(p.get("width")),
            height=_whole(p.get("height")),
            model=_text(p.get("model"), _TEXT_LIMIT),
            space=_text(p.get("space", ""), _TEXT_LIMIT),
        )
        return ImageRecord(
            id=image_id,
            path=str(image_dir / file),
            model=_text(entry.get("model"), _TEXT_LIMIT),
            model_label=_text(entry.get("model_label"), _TEXT_LIMIT),
            parameters=parameters,
            created=_real(entry.get("created")),
        )
    except (TypeError, ValueError):
        return None


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError("not a text of this field")
    return value


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not a whole number")
    return value


def _real(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError("not a number")
    return float(value)
