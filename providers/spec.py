"""The facts of one upstream Space, as a declaration, and the checks they imply.

A `SpaceSpec` says what a Space accepts (parameter names in order, slider bounds, defaults)
and how it behaves (streams previews or not). Everything that follows from those facts,
snapping a size, refusing an out-of-range number, building the argument list, lives here
once, so a new Space is added by declaring it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import BadRequestError

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
                f"{field} must be between {low} and {high}, not {_plain(number)}.", field=field
            )
        return number


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


@dataclass(frozen=True)
class SpaceSpec:
    """One upstream Space: where it is and what its `infer` endpoint takes."""

    space_id: str
    parameters: tuple[str, ...]  # the endpoint's inputs, by Python name, in order
    size: SizeRule
    steps: Range
    guidance: Range | None  # None: the Space takes no guidance scale
    streams_previews: bool
    gpu_seconds: int  # ZeroGPU reservation per call, for quota hints
    api_name: str = "/infer"

    @property
    def url(self) -> str:
        """`owner/Name.x` is served at `https://owner-name-x.hf.space`."""
        host = self.space_id.replace("/", "-").replace(".", "-").replace("_", "-").lower()
        return f"https://{host}.hf.space"

    @property
    def takes_negative_prompt(self) -> bool:
        return "negative_prompt" in self.parameters

    def arguments(self, values: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments for the endpoint: exactly its parameters, nothing else."""
        missing = [name for name in self.parameters if name not in values]
        if missing:
            raise ValueError(f"{self.space_id}: no value for {', '.join(missing)}")
        return {name: values[name] for name in self.parameters}


def as_number(field: str, value: Any, *, integer: bool) -> float | int:
    """A finite number from an int, float or numeric string; a BadRequestError otherwise."""
    if isinstance(value, bool) or value is None:
        raise BadRequestError(f"{field} must be a number, not {value!r}.", field=field)
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise BadRequestError(
                f"{field} must be a number, not {value!r}.", field=field
            ) from None
    if not isinstance(value, int | float):
        raise BadRequestError(f"{field} must be a number, not {type(value).__name__}.", field=field)
    if not math.isfinite(value):
        raise BadRequestError(f"{field} must be a finite number, not {value}.", field=field)
    if integer:
        if value != int(value):
            raise BadRequestError(f"{field} must be a whole number, not {value}.", field=field)
        return int(value)
    return float(value)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
