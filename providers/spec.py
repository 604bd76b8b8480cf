"""The facts of one upstream Space, as a declaration, and the checks they imply.

A `SpaceSpec` says what a Space accepts (parameter names in order, slider bounds, defaults)
and how it behaves (streams previews or not). Everything that follows from those facts,
snapping a size, refusing an out-of-range number, building the argument list, lives here
once, so a new Space is added by declaring it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .errors import BadRequestError, shown

MAX_SEED = 2**31 - 1
MAX_PROMPT_CHARS = 2000  # far above what the text encoders read (CLIP 77, T5 512 tokens)


@dataclass(frozen=True)
class Range:
    """A slider of the upstream Space: Gradio rejects values outside [minimum, maximum]."""

    minimum: float
    maximum: float
    step: float
    default: float

    def check(self, field: str, value: Any, *, integer: bool) -> float | int:
        """The value as a number in range, or a BadRequestError naming the field."""
        number = as_number(field, value, integer=integer)
        if not self.minimum <= number <= self.maximum:
            low, high = _plain(self.minimum), _plain(self.maximum)
            raise BadRequestError(
                f"{field} must be between {low} and {high}, not {_plain(number)}.",
                field=field,
                reason="range",
                minimum=self.minimum,
                maximum=self.maximum,
                value=number,
            )
        return int(number) if integer else float(number)


@dataclass(frozen=True)
class SizeRule:
    """Width and height bounds; both must be multiples of `step`."""

    minimum: int
    maximum: int
    step: int
    default: int

    def snap(self, width: int, height: int) -> tuple[int, int]:
        """The nearest size this Space accepts, keeping the aspect ratio where bounds allow.

        Scales the pair into bounds first (so 832x1040 becomes 832x1024 rather than a squashed
        832x1024 from clamping alone), then rounds each side to the step and clamps.
        """
        scale = 1.0
        if max(width, height) > self.maximum:
            scale = self.maximum / max(width, height)
        elif min(width, height) < self.minimum:
            scale = min(self.minimum / min(width, height), self.maximum / max(width, height))
        return self._round(width * scale), self._round(height * scale)

    def _round(self, side: float) -> int:
        stepped = round(side / self.step) * self.step
        return max(self.minimum, min(self.maximum, stepped))

    def size_for(self, width: int, height: int) -> tuple[int, int]:
        return self.snap(width, height)


@dataclass(frozen=True)
class RatioSizes:
    """A Space that takes an aspect ratio (a Radio input) and picks the size itself.

    `sizes` maps each offered ratio to the size the Space makes for it. A request's size or
    ratio that is not offered maps to the nearest offered ratio; the image that comes back
    has the Space's size, which is what it reports.
    """

    sizes: Mapping[str, tuple[int, int]]
    default: str
    input: str = "aspect_ratio"  # the endpoint's parameter that takes the ratio

    def nearest(self, width: int, height: int) -> str:
        """The offered ratio closest to width:height (compared as log ratios: 2:1 and 1:2
        are equally far from 1:1)."""
        wanted = math.log(width / height)
        return min(self.sizes, key=lambda r: abs(math.log(_ratio(*self.sizes[r])) - wanted))

    def size_for(self, width: int, height: int) -> tuple[int, int]:
        return self.sizes[self.nearest(width, height)]


def _ratio(width: int, height: int) -> float:
    return width / height


@dataclass(frozen=True)
class SpaceSpec:
    """One upstream Space: where it is and what its `infer` endpoint takes."""

    space_id: str
    parameters: tuple[str, ...]  # the endpoint's inputs, by Python name, in order
    size: SizeRule | RatioSizes  # width and height inputs, or a ratio input
    steps: Range
    guidance: Range | None  # None: the Space takes no guidance scale
    streams_previews: bool  # one output per step, then the final image as one more
    gpu_seconds: int  # ZeroGPU reservation per call, for quota hints
    api_name: str = "/infer"
    # Inputs always sent with one value, whatever the request (e.g. a prompt rewriter off).
    fixed: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # Declared inputs the notes do not confirm: sent only once the live API shows them, so
    # an unconfirmed guess never reaches the Space (see providers.contract).
    unconfirmed: frozenset[str] = frozenset()

    @property
    def url(self) -> str:
        """`owner/Name.x` is served at `https://owner-name-x.hf.space`."""
        host = self.space_id.replace("/", "-").replace(".", "-").replace("_", "-").lower()
        return f"https://{host}.hf.space"

    @property
    def takes_negative_prompt(self) -> bool:
        return "negative_prompt" in self.parameters

    @property
    def takes_size(self) -> bool:
        """Whether the Space takes a width and height (else it picks the size from a ratio)."""
        return isinstance(self.size, SizeRule)

    def arguments(self, values: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments for the endpoint: exactly its parameters, nothing else."""
        values = {**values, **self.fixed}
        missing = [name for name in self.parameters if name not in values]
        if missing:
            raise ValueError(f"{self.space_id}: no value for {', '.join(missing)}")
        return {name: values[name] for name in self.parameters}


def as_number(field: str, value: Any, *, integer: bool) -> float | int:
    """A finite number from an int, float or numeric string; a BadRequestError otherwise."""
    if isinstance(value, bool) or value is None:
        raise BadRequestError(
            f"{field} must be a number, not {shown(value)}.", field=field, reason="number"
        )
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            message = f"{field} must be a number, not {shown(value)}."
            raise BadRequestError(message, field=field, reason="number") from None
    if isinstance(value, numbers.Integral):
        # Kept an int (exact, however large): comparing it with float bounds cannot overflow.
        return int(value)
    if not isinstance(value, numbers.Real):
        message = f"{field} must be a number, not {type(value).__name__}."
        raise BadRequestError(message, field=field, reason="number")
    number = float(value)
    if not math.isfinite(number):
        message = f"{field} must be a finite number, not {number}."
        raise BadRequestError(message, field=field, reason="number")
    if integer:
        if not number.is_integer():
            message = f"{field} must be a whole number, not {number}."
            raise BadRequestError(message, field=field, reason="whole")
        return int(number)
    return number


def _plain(number: float) -> str:
    """A number as a person writes it: 4 not 4.0; absurdly long ones shortened."""
    if isinstance(number, int) or number.is_integer():
        text = str(int(number))
        return text if len(text) <= 24 else f"{text[:12]}…({len(text)} digits)"
    return str(number)
