"""What the page needs to know about each model: its name, its controls and their bounds.

The UI builds every control from these facts, so it never branches on a particular Space.
"""

from __future__ import annotations

from dataclasses import dataclass

import providers
from providers import ASPECT_RATIOS, BadRequestError, Range

# ZeroGPU's daily quota (shared notes, 2026 tiers): what a visitor's images a day come from.
ANONYMOUS_QUOTA_SECONDS = 120
SIGNED_IN_QUOTA_SECONDS = 300


@dataclass(frozen=True)
class ModelControls:
    name: str
    label: str
    description: str
    good_at: str
    takes_negative_prompt: bool
    steps: Range
    guidance: Range | None  # None: the model takes no guidance scale
    streams_previews: bool
    takes_size: bool  # False: the Space picks the size from the aspect ratio
    gpu_seconds: int  # ZeroGPU quota one image reserves
    changed: str | None = None  # how the Space changed under its declaration, if it did
    fallbacks: tuple[str, ...] = ()  # the other Spaces of the model, tried when this fails


def speed(steps: int) -> str:
    """How fast a model is, in a word, from its default steps (each is one pass of the
    model: the wait grows with them)."""
    if steps <= 4:
        return "fastest"
    if steps <= 12:
        return "fast"
    if steps <= 30:
        return "medium"
    return "slow"


def menu_label(c: ModelControls) -> str:
    """One line per model: what it is good at, how fast, what an image costs in GPU quota."""
    return f"{c.label} · {c.good_at} · {speed(c.steps.default)} · {c.gpu_seconds} s GPU"


def images_a_day(c: ModelControls) -> tuple[int, int]:
    """Images a day on ZeroGPU's quota: without an account, and signed in."""
    return ANONYMOUS_QUOTA_SECONDS // c.gpu_seconds, SIGNED_IN_QUOTA_SECONDS // c.gpu_seconds


def choices() -> list[tuple[str, str]]:
    """(name a person reads, registry name) pairs, the default model first."""
    return [(entry.provider.display_name, entry.name) for entry in providers.registry.entries()]


def menu_choices() -> list[tuple[str, str]]:
    """(menu line, registry name) pairs for the model menu: each line says what the model is
    good at, how fast it is and what an image costs in GPU quota."""
    return [
        (menu_label(controls(entry.name)), entry.name) for entry in providers.registry.entries()
    ]


def default_model() -> str:
    return providers.registry.entries()[0].name


def controls(name: str | None) -> ModelControls:
    provider = providers.registry.get(name)
    spec = provider.current_spec()  # the live bounds once the Space was read
    return ModelControls(
        name=providers.registry.name_of(provider),
        label=provider.display_name,
        description=provider.description,
        good_at=provider.good_at,
        takes_negative_prompt=spec.takes_negative_prompt,
        steps=spec.steps,
        guidance=spec.guidance,
        streams_previews=spec.streams_previews,
        takes_size=spec.takes_size,
        gpu_seconds=spec.gpu_seconds,
        changed=provider.changed(),
        fallbacks=tuple(p.display_name for p in providers.registry.alternatives(provider)),
    )


def union_range(ranges: list[Range], default: float) -> Range:
    """One range covering all of them: the API's widest bounds, checked per model later."""
    return Range(
        minimum=min(r.minimum for r in ranges),
        maximum=max(r.maximum for r in ranges),
        step=min(r.step for r in ranges),
        default=default,
    )


def all_controls() -> list[ModelControls]:
    return [controls(entry.name) for entry in providers.registry.entries()]


def ratio_for(name: str | None, aspect_ratio: str, width, height) -> str | None:
    """The ratio sent to a model whose Space picks the size from one (None: it takes sizes,
    or the settings are invalid)."""
    try:
        return providers.registry.get(name).planned_ratio(aspect_ratio, width, height)
    except BadRequestError:
        return None


def size_for(name: str | None, aspect_ratio: str, width, height) -> tuple[int, int] | None:
    """The size this model will make for these settings, or None if they are invalid."""
    try:
        return providers.registry.get(name).planned_size(aspect_ratio, width, height)
    except BadRequestError:
        return None


def preset_ratio_for(name: str | None, width: int, height: int) -> str | None:
    """The aspect ratio whose preset makes exactly this size on this model, if one does."""
    size = (width, height)
    return next((r for r in ASPECT_RATIOS if size_for(name, r, None, None) == size), None)
