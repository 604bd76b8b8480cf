"""The files an emulator hands to its gr.Image output: good images and the faulty ones.

Every image is written here, already encoded, and returned to gr.Image as a file path: Gradio
then copies the bytes untouched into its cache (a PIL image would be re-encoded, which would
repair a faulty file). The file is named image.webp and Gradio's cache folder is the SHA-256 of
its bytes, so the URL has the same `.../<sha256>/image.webp` shape as a real Space's. Encoding
ourselves is also ~8x cheaper than Gradio's default webp settings (method 0 vs 4).
"""

from __future__ import annotations

import io
import random
import struct
import tempfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

HUGE_SIDE = 40_000


class ImageStore:
    """Writes output files into a private temporary folder, removed by close()."""

    def __init__(self) -> None:
        # Under the system temp dir: Gradio only moves files from allowed places into its cache.
        self._dir = tempfile.TemporaryDirectory(prefix="space-emulator-")
        self._count = 0

    def close(self) -> None:
        self._dir.cleanup()

    def write(self, data: bytes, name: str = "image.webp") -> str:
        # One folder per file: Gradio keeps the file name, so it must stay "image.webp".
        self._count += 1
        folder = Path(self._dir.name) / str(self._count)
        folder.mkdir()
        path = folder / name
        path.write_bytes(data)
        return str(path)


def render(seed: int, width: int, height: int, step: int | None = None) -> Image.Image:
    """A deterministic picture for (seed, size): a solid colour and a few rectangles.

    `step` selects a preview: previews are noisier versions of the same picture, the first
    (step 0) nearly pure noise, like FLUX.1-dev's tiny-VAE previews.
    """
    rng = random.Random(seed)
    colour = tuple(rng.randrange(256) for _ in range(3))
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, x + width // 4, y + height // 4)
        draw.rectangle(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    if step is not None:
        # Cheap "noise": coarse random blocks whose count falls as steps go by.
        noise = random.Random(seed * 1009 + step)
        for _ in range(max(0, 64 - 4 * step)):
            x, y = noise.randrange(width), noise.randrange(height)
            shade = tuple(noise.randrange(256) for _ in range(3))
            draw.rectangle((x, y, x + width // 8, y + height // 8), fill=shade)
    return image


def encode_webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=80, method=0)
    return buffer.getvalue()


def good_webp(seed: int, width: int, height: int, step: int | None = None) -> bytes:
    return encode_webp(render(seed, width, height, step))


def truncated_png(seed: int, width: int, height: int) -> bytes:
    """A PNG cut off halfway: Image.open() reads its size, only decoding the pixels fails.

    PNG rather than webp: Pillow parses a whole webp at open(), so a cut webp fails at once,
    while a cut PNG gets past the checks that only look at the header.
    """
    buffer = io.BytesIO()
    render(seed, width, height).save(buffer, "PNG", compress_level=1)
    data = buffer.getvalue()
    return data[: len(data) // 2]


def not_an_image() -> bytes:
    """What a proxy or an error page could hand back in place of the picture."""
    return (
        b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
        b"<body><h1>502 Bad Gateway</h1></body></html>\n"
    )


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def decompression_bomb_png(side: int = HUGE_SIDE) -> bytes:
    """A ~1 KB PNG whose header declares side x side RGB pixels (a decompression bomb).

    Only the first rows' worth of zeros is compressed: enough for a decoder to start, while
    nothing here allocates the declared image (40000x40000x3 would be 4.8 GB).
    """
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    some_rows = zlib.compress(b"\x00" * (1 + side * 3) * 8, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", some_rows)
        + _png_chunk(b"IEND", b"")
    )
