"""Generation parameters in a PNG `parameters` text chunk, in the format SD tools read.

The AUTOMATIC1111 layout, read by its "PNG Info" tab, ComfyUI loaders, civitai and others:

    a lighthouse at dusk
    Negative prompt: blurry
    Steps: 28, CFG scale: 3.5, Seed: 42, Size: 1024x1024, Model: FLUX.1 [dev]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, PngImagePlugin

CHUNK = "parameters"
_NEGATIVE = "Negative prompt: "
# `Key: value` pairs; a value with a comma is quoted, as A1111 writes it.
_PAIR = re.compile(r'\s*([\w ]+):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')


@dataclass(frozen=True)
class GenerationParameters:
    prompt: str
    negative_prompt: str
    steps: int | None  # None: the Space's own default (the input was never confirmed)
    guidance_scale: float | None  # None for models without guidance
    seed: int
    width: int
    height: int
    model: str
    space: str = ""

    def to_text(self) -> str:
        lines = [self.prompt]
        # Readers take the line before the settings as the negative prompt when it starts
        # so; a prompt line that does is kept a prompt by writing the (maybe empty) line.
        if self.negative_prompt or _NEGATIVE.strip() in self.prompt:
            lines.append(_NEGATIVE + self.negative_prompt.replace("\n", " "))
        pairs = {} if self.steps is None else {"Steps": str(self.steps)}
        if self.guidance_scale is not None:
            pairs["CFG scale"] = f"{self.guidance_scale:g}"
        pairs |= {"Seed": str(self.seed), "Size": f"{self.width}x{self.height}"}
        pairs["Model"] = self.model
        if self.space:
            pairs["Space"] = self.space
        lines.append(", ".join(f"{key}: {_quote(value)}" for key, value in pairs.items()))
        return "\n".join(lines)

    @classmethod
    def from_text(cls, text: str) -> GenerationParameters:
        *head, last = text.split("\n")
        pairs = {key.strip(): _unquote(value.strip()) for key, value in _PAIR.findall(last)}
        negative = ""
        if head and head[-1].startswith(_NEGATIVE.strip()):
            negative = head.pop()[len(_NEGATIVE) :]
        width, _, height = pairs["Size"].partition("x")
        guidance = pairs.get("CFG scale")
        return cls(
            prompt="\n".join(head),
            negative_prompt=negative,
            steps=int(pairs["Steps"]) if "Steps" in pairs else None,
            guidance_scale=None if guidance is None else float(guidance),
            seed=int(pairs["Seed"]),
            width=int(width),
            height=int(height),
            model=pairs.get("Model", ""),
            space=pairs.get("Space", ""),
        )


def save_png(
    source: str | Path | Image.Image, target: Path, parameters: GenerationParameters
) -> Path:
    """Write `source` (a file, or an opened image) as a PNG carrying `parameters`: the one
    encode of a final image.

    compress_level=1: a 1024x1024 image encodes several times faster than at the default 6,
    for files about a quarter larger; this encode sits on every user's wait.
    """
    info = PngImagePlugin.PngInfo()
    info.add_text(CHUNK, parameters.to_text())
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    if isinstance(source, Image.Image):
        source.save(partial, format="PNG", pnginfo=info, compress_level=1)
    else:
        with Image.open(source) as image:
            image.save(partial, format="PNG", pnginfo=info, compress_level=1)
    partial.replace(target)
    return target


def read_parameters(path: str | Path) -> GenerationParameters:
    with Image.open(path) as image:
        return GenerationParameters.from_text(image.text[CHUNK])


def _quote(value: str) -> str:
    if "," in value or '"' in value or ":" in value:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
