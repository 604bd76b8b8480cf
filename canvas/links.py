"""Links that share a setting: an image's settings as a URL query, and a query read back.

A link carries prompt, negative prompt, model, aspect ratio or size, steps, guidance and seed.
Reading one checks every value with the model's own rules (the providers' `prepare` and
ranges) before anything is sent anywhere; a value that fails is skipped and named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import providers
from providers import MAX_SEED, BadRequestError, Range
from providers.errors import shown

from . import models
from .generation import ImageRecord

_SIZE = re.compile(r"\s*(\d{1,5})\s*[x×]\s*(\d{1,5})\s*")
_SEED = Range(0, MAX_SEED, step=1, default=0)
_ANY_PROMPT = "a link"  # stands in for the prompt while another field is checked


@dataclass(frozen=True)
class LinkSettings:
    """The settings a link gives; None: the link does not set it."""

    prompt: str | None = None
    negative_prompt: str | None = None
    model: str | None = None  # registry name
    aspect_ratio: str | None = None
    size: tuple[int, int] | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    errors: tuple[BadRequestError, ...] = field(default=())  # what was skipped, and why

    @property
    def problems(self) -> tuple[str, ...]:
        """The skipped values' errors, in English (a page words `errors` in its language)."""
        return tuple(error.message for error in self.errors)

    @property
    def given(self) -> bool:
        """Whether the link set anything, or tried to."""
        values = (self.prompt, self.negative_prompt, self.model, self.aspect_ratio, self.size)
        numbers = (self.steps, self.guidance, self.seed)
        return any(v is not None for v in (*values, *numbers)) or bool(self.errors)


def query_for(record: ImageRecord) -> str:
    """A query (`?prompt=...`) that fills the form with this image's settings."""
    p = record.parameters
    values: dict[str, object] = {"prompt": p.prompt}
    if p.negative_prompt:
        values["negative_prompt"] = p.negative_prompt
    values["model"] = record.model
    ratio = models.preset_ratio_for(record.model, p.width, p.height)
    if ratio:
        values["aspect_ratio"] = ratio
    else:
        values["size"] = f"{p.width}x{p.height}"
    if p.steps is not None:
        values["steps"] = p.steps
    if p.guidance_scale is not None:
        values["guidance"] = f"{p.guidance_scale:g}"
    values["seed"] = p.seed
    return "?" + urlencode(values, quote_via=quote)


def read(query: Mapping[str, str], current_model: str | None) -> LinkSettings:
    """The settings of a page's query, each checked for the link's model (or, without one,
    the form's). Other query parameters (Hugging Face adds its own) are ignored."""
    problems: list[BadRequestError] = []
    read_values: dict[str, object] = {}

    def checked(name: str, check):
        if name not in query:
            return
        try:
            read_values[name] = check(query[name])
        except BadRequestError as error:
            problems.append(error)

    checked("model", lambda value: models.controls(value).name)
    model = read_values.get("model") or current_model
    controls = models.controls(model)
    provider = providers.registry.get(model)

    def prepared(**fields):
        return provider.prepare(**{"prompt": _ANY_PROMPT, **fields})

    checked("prompt", lambda value: prepared(prompt=value)["prompt"])
    if controls.takes_negative_prompt:
        checked("negative_prompt", lambda value: prepared(negative_prompt=value)["negative_prompt"])
    checked("aspect_ratio", lambda value: prepared(aspect_ratio=value) and value)
    checked("size", lambda value: _size(value, prepared))
    checked("steps", lambda value: controls.steps.check("steps", value, integer=True))
    if controls.guidance is not None:
        checked("guidance", lambda value: controls.guidance.check("guidance", value, integer=False))
    elif "guidance" in query:
        problems.append(
            BadRequestError(
                f"guidance: {controls.label} takes no guidance scale.",
                field="guidance",
                reason="no_guidance",
                model=controls.label,
            )
        )
    checked("seed", lambda value: _SEED.check("seed", value, integer=True))
    return LinkSettings(**read_values, errors=tuple(problems))  # type: ignore[arg-type]


def _size(value: str, prepared) -> tuple[int, int]:
    match = _SIZE.fullmatch(value)
    if not match:
        raise BadRequestError(
            f"size must be WIDTHxHEIGHT, such as 1024x768, not {shown(value)}.",
            field="size",
            reason="size_format",
            value=shown(value),
        )
    width, height = int(match[1]), int(match[2])
    prepared(width=width, height=height)  # in the bounds any model takes; each snaps its own
    return width, height
