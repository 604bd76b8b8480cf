"""The API contracts of the upstream Spaces, as /work/shared/upstream-spaces.md records them,
and the drifts a Space's contract goes through when its app.py changes ("Spaces change").

Written from the notes only, never from providers/: these declarations are what our providers'
own declarations get checked against.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
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
class RadioSpec:
    choices: tuple[str, ...]
    value: str
    label: str


Shape = Literal["sd35", "schnell", "dev", "qwen", "z-image"]


@dataclass(frozen=True)
class SpaceContract:
    kind: str
    space_id: str
    shape: Shape  # which `infer` of the emulator app this Space runs
    # Python parameter names of `infer`, in input order (what gradio_client shows by name).
    parameters: tuple[str, ...]
    sliders: dict[str, SliderSpec]
    streams_previews: bool
    off_grid_size: Literal["error", "floor"]
    # ZeroGPU reservation (seconds), used in the quota messages.
    gpu_duration: int
    api_name: str = "infer"
    radios: dict[str, RadioSpec] = field(default_factory=dict)
    checkboxes: dict[str, bool] = field(default_factory=dict)  # name -> initial value
    # A Space that picks the size itself: ratio -> (width, height).
    ratio_sizes: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # Drift (see `drifted`): inputs shown under another name, new inputs with no default.
    renamed: Mapping[str, str] = field(default_factory=dict)
    required_extra: tuple[str, ...] = ()

    @property
    def input_names(self) -> tuple[str, ...]:
        """The endpoint's inputs in order, by their original names (new ones after the
        prompt, where a parameter without a default may go)."""
        return (self.parameters[0], *self.required_extra, *self.parameters[1:])

    @property
    def api_parameters(self) -> tuple[str, ...]:
        """The endpoint's inputs as the live API shows them."""
        return tuple(self.renamed.get(n, n) for n in self.input_names)


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
        shape="sd35",
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
        shape="schnell",
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


def _dev(kind: str, space_id: str, guidance: float, gpu_duration: int) -> SpaceContract:
    return SpaceContract(
        kind=kind,
        space_id=space_id,
        shape="dev",
        parameters=_DEV_PARAMETERS,
        sliders={
            "width": _size("Width", 256, 2048, 32, 1024),
            "height": _size("Height", 256, 2048, 32, 1024),
            "guidance_scale": SliderSpec(1, 15, 0.1, guidance, "Guidance Scale"),
            "num_inference_steps": SliderSpec(1, 50, 1, 28, "Number of inference steps"),
        },
        streams_previews=True,
        off_grid_size="floor",
        gpu_duration=gpu_duration,
    )


_QWEN_PARAMETERS = (
    "prompt",
    "seed",
    "randomize_seed",
    "aspect_ratio",
    "guidance_scale",
    "num_inference_steps",
    "prompt_enhance",
)
QWEN_SIZES = {
    "1:1": (1328, 1328),
    "16:9": (1664, 928),
    "9:16": (928, 1664),
    "4:3": (1472, 1140),
    "3:4": (1140, 1472),
    "3:2": (1584, 1056),
    "2:3": (1056, 1584),
}


def _qwen(kind: str, space_id: str, guidance: SliderSpec, steps: int, duration: int):
    return SpaceContract(
        kind=kind,
        space_id=space_id,
        shape="qwen",
        parameters=_QWEN_PARAMETERS,
        sliders={
            "guidance_scale": guidance,
            "num_inference_steps": SliderSpec(1, 50, 1, steps, "Inference steps"),
        },
        radios={"aspect_ratio": RadioSpec(tuple(QWEN_SIZES), "16:9", "Aspect ratio")},
        checkboxes={"prompt_enhance": True},  # on: the Space rewrites the prompt with an LLM
        ratio_sizes=QWEN_SIZES,
        streams_previews=False,
        off_grid_size="floor",
        gpu_duration=duration,
    )


def _z_image(kind: str, space_id: str) -> SpaceContract:
    # Size and steps bounds are unconfirmed: these are the emulator's choice (the 16-pixel
    # grid, 9 steps as Z-Image-Turbo's card advises). Guidance is fixed at 0: no input.
    return SpaceContract(
        kind=kind,
        space_id=space_id,
        shape="z-image",
        api_name="generate_image",
        parameters=("prompt", "height", "width", "num_inference_steps", "seed", "randomize_seed"),
        sliders={
            "height": _size("Height", 512, 2048, 16, 1024),
            "width": _size("Width", 512, 2048, 16, 1024),
            "num_inference_steps": SliderSpec(1, 20, 1, 9, "Inference steps"),
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
    "flux-dev": _dev("flux-dev", "black-forest-labs/FLUX.1-dev", guidance=3.5, gpu_duration=75),
    # Krea: sizes to 2048 default 1024, guidance 4.5, steps 28 confirmed; other bounds
    # unconfirmed, taken from FLUX.1-dev as the notes suggest. ZeroGPU's default 60 s.
    "flux-krea-dev": _dev(
        "flux-krea-dev", "black-forest-labs/FLUX.1-Krea-dev", guidance=4.5, gpu_duration=60
    ),
    # voodoohop's bounds are unconfirmed. Same as BFL schnell except the size step: gpt4free
    # sends multiples of 8 (it only clamps to >= 32), so the emulator uses step 8, which
    # admits every size such a caller may send. (Gradio never validates the step anyway.)
    "voodoohop-schnell": _schnell("voodoohop-schnell", "voodoohop/FLUX.1-schnell", size_step=8),
}

CONTRACTS |= {
    "qwen-image-fast": _qwen(
        "qwen-image-fast",
        "multimodalart/Qwen-Image-Fast",
        guidance=SliderSpec(1, 10, 1, 1, "Guidance scale"),
        steps=8,
        duration=60,
    ),
    # Official: prompt, seed, randomize_seed, aspect_ratio, 50 steps and 120 s confirmed; the
    # rest is unconfirmed, so this emulator assumes the fast Space's inputs (a true-CFG
    # guidance of 4 by default is the official pipeline's usual value).
    "qwen-image": _qwen(
        "qwen-image",
        "Qwen/Qwen-Image",
        guidance=SliderSpec(1, 10, 0.1, 4, "Guidance scale"),
        steps=50,
        duration=120,
    ),
    "z-image-turbo": _z_image("z-image-turbo", "Tongyi-MAI/Z-Image-Turbo"),
    "z-image-turbo-mrfakename": _z_image("z-image-turbo-mrfakename", "mrfakename/Z-Image-Turbo"),
}

SPACE_KINDS: tuple[str, ...] = tuple(CONTRACTS)

# --- drift: what a Space's app.py change does to its API ---------------------------------

NARROWED_SIDE = 768  # "Value 1024 is greater than maximum value 768."
NARROWED_STEPS = 12
NARROWED_RATIOS = ("1:1", "16:9", "9:16")
RENAMED_STEPS = "steps"
NEW_REQUIRED = "style"

DRIFTS: dict[str, str] = {
    "narrowed": f"sizes up to {NARROWED_SIDE}, steps up to {NARROWED_STEPS}, guidance halved, "
    f"ratios only {', '.join(NARROWED_RATIOS)}; defaults clamped into the new bounds",
    "renamed_input": f"num_inference_steps is now called {RENAMED_STEPS!r}",
    "renamed_endpoint": "the endpoint is now /run (an /infer Space) or /generate",
    "new_required": f"a new text input {NEW_REQUIRED!r} with no default",
}


def _narrow(name: str, slider: SliderSpec) -> SliderSpec:
    if name in ("width", "height"):
        maximum = min(slider.maximum, NARROWED_SIDE)
    elif name == "num_inference_steps":
        maximum = min(slider.maximum, NARROWED_STEPS)
    elif name == "guidance_scale":
        maximum = max(slider.minimum + slider.step, slider.maximum / 2)
    else:
        return slider
    return dataclasses.replace(slider, maximum=maximum, value=min(slider.value, maximum))


def drifted(contract: SpaceContract, drift: str | None) -> SpaceContract:
    """The contract after its Space changed in one of the ways of DRIFTS."""
    if drift is None:
        return contract
    if drift == "narrowed":
        radios = {
            name: RadioSpec(
                tuple(c for c in r.choices if c in NARROWED_RATIOS),
                r.value if r.value in NARROWED_RATIOS else NARROWED_RATIOS[0],
                r.label,
            )
            for name, r in contract.radios.items()
        }
        sliders = {name: _narrow(name, s) for name, s in contract.sliders.items()}
        return dataclasses.replace(contract, sliders=sliders, radios=radios)
    if drift == "renamed_input":
        return dataclasses.replace(contract, renamed={"num_inference_steps": RENAMED_STEPS})
    if drift == "renamed_endpoint":
        return dataclasses.replace(
            contract, api_name="run" if contract.api_name == "infer" else "generate"
        )
    if drift == "new_required":
        return dataclasses.replace(contract, required_extra=(NEW_REQUIRED,))
    raise ValueError(f"unknown drift {drift!r}; known: {', '.join(DRIFTS)}")
