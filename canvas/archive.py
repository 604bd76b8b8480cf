"""Many images as one download: a zip of the PNGs, each still carrying its parameters chunk."""

from __future__ import annotations

import re
import uuid
import zipfile
from pathlib import Path

from .generation import ImageRecord

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def entry_name(number: int, record: ImageRecord) -> str:
    """`01-flux-dev-seed-42.png`: the order, the model and the seed, safe on every system."""
    model = _UNSAFE.sub("-", record.model).strip("-")
    return f"{number:02d}-{model}-seed-{record.parameters.seed}.png"


def zip_images(records: list[ImageRecord], folder: Path) -> Path:
    """A new zip of these images in `folder`, in their order. PNGs are stored, not deflated:
    they are compressed already."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"space-canvas-images-{uuid.uuid4().hex[:12]}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, record in enumerate(records, start=1):
            archive.write(record.path, entry_name(number, record))
    return path
