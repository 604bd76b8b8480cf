"""The API contracts of the five upstream Spaces, as /work/shared/upstream-spaces.md records them.

Written from the notes only, never from providers/: these declarations are what our providers'
own declarations get checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MAX_SEED = 2**31 - 1

# The pipelines work on a 16-pixel grid (VAE factor 8 x patch size 2). SD 3.5's pipeline raises
# on any other size; FLUX's only logs a warning and rounds the size down to the grid.
PIPELINE_GRID = 16


@dataclass(frozen=True)
class SliderSpec:
    minimum: float
    maximum: float
    step: float
    value: float
    label: str


@dataclass(frozen=True)
class SpaceContract:
    kind: str
    space_id: str
    # Python parameter names of `infer`, in input order (what gradio_client shows by name).
    parameters: tuple[str, ...]
    sliders: dict[str, SliderSpec]
    streams_previews: bool
    off_grid_size: Literal["error", "floor"]
    # ZeroGPU reservation (seconds), used in the quota messages.
    gpu_duration: int


def _size(label: str, minimum: int, maximum: int, step: int, value: int) -> SliderSpec:
    return SliderSpec(minimum, maximum, step, value, label)


_SD35_PARAMETERS = (
    "prompt",
    "negative_prompt",
    "seed",
    "randomize_seed",
    "width",
    "height",
    "guidance_scale",
    "num_inference_steps",
)
_SCHNELL_PARAMETERS = ("prompt", "seed", "randomize_seed", "width", "height", "num_inference_steps")
_DEV_PARAMETERS = (
    "prompt",
    "seed",
    "randomize_seed",
    "width",
    "height",
    "guidance_scale",
    "num_inference_steps",
)


def _sd35(kind: str, space_id: str, guidance: float, steps: int) -> SpaceContract:
    # Turbo's bounds are unconfirmed upstream: same bounds as Large, only the defaults differ.
    return SpaceContract(
        kind=kind,
        space_id=space_id,
        parameters=_SD35_PARAMETERS,
        sliders={
            "width": _size("Width", 512, 1024, 32, 1024),
            "height": _size("Height", 512, 1024, 32, 1024),
            "guidance_scale": SliderSpec(0.0, 7.5, 0.1, guidance, "Guidance scale"),
            "num_inference_steps": SliderSpec(1, 50, 1, steps, "Number of inference steps"),
        },
        streams_previews=False,
        off_grid_size="error",
        gpu_duration=65,
    )


def _schnell(kind: str, space_id: str, size_step: int) -> SpaceContract:
    return SpaceContract(
        kind=kind,
        space_id=space_id,
        parameters=_SCHNELL_PARAMETERS,
        sliders={
            "width": _size("Width", 256, 2048, size_step, 1024),
            "height": _size("Height", 256, 2048, size_step, 1024),
            "num_inference_steps": SliderSpec(1, 50, 1, 4, "Number of inference steps"),
        },
        streams_previews=False,
        off_grid_size="floor",
        gpu_duration=60,
    )


CONTRACTS: dict[str, SpaceContract] = {
    "sd35-large": _sd35(
        "sd35-large", "stabilityai/stable-diffusion-3.5-large", guidance=4.5, steps=40
    ),
    "sd35-large-turbo": _sd35(
        "sd35-large-turbo", "stabilityai/stable-diffusion-3.5-large-turbo", guidance=0.0, steps=4
    ),
    "flux-schnell": _schnell("flux-schnell", "black-forest-labs/FLUX.1-schnell", size_step=32),
    "flux-dev": SpaceContract(
        kind="flux-dev",
        space_id="black-forest-labs/FLUX.1-dev",
        parameters=_DEV_PARAMETERS,
        sliders={
            "width": _size("Width", 256, 2048, 32, 1024),
            "height": _size("Height", 256, 2048, 32, 1024),
            "guidance_scale": SliderSpec(1, 15, 0.1, 3.5, "Guidance Scale"),
            "num_inference_steps": SliderSpec(1, 50, 1, 28, "Number of inference steps"),
        },
        streams_previews=True,
        off_grid_size="floor",
        gpu_duration=75,
    ),
    # voodoohop's bounds are unconfirmed. Same as BFL schnell except the size step: gpt4free
    # sends multiples of 8 (it only clamps to >= 32), so the emulator uses step 8, which
    # admits every size such a caller may send. (Gradio never validates the step anyway.)
    "voodoohop-schnell": _schnell("voodoohop-schnell", "voodoohop/FLUX.1-schnell", size_step=8),
}

SPACE_KINDS: tuple[str, ...] = tuple(CONTRACTS)
