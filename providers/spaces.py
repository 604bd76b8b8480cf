"""The upstream Spaces, one declaration each (facts from shared/upstream-spaces.md).

A class here states facts and nothing else; the protocol lives in `gradio_space` and the
request handling in `base`. The two seed providers keep the seed documents' attributes and
`create_async_generator` signatures.
"""

from __future__ import annotations

from typing import Any

from .base import SpaceProvider
from .prompting import Messages
from .spec import Range, RatioSizes, SizeRule, SpaceSpec

SD35_PARAMETERS = (
    "prompt",
    "negative_prompt",
    "seed",
    "randomize_seed",
    "width",
    "height",
    "guidance_scale",
    "num_inference_steps",
)
FLUX_SCHNELL_PARAMETERS = (
    "prompt",
    "seed",
    "randomize_seed",
    "width",
    "height",
    "num_inference_steps",
)
FLUX_DEV_PARAMETERS = (
    "prompt",
    "seed",
    "randomize_seed",
    "width",
    "height",
    "guidance_scale",
    "num_inference_steps",
)
QWEN_PARAMETERS = (
    "prompt",
    "seed",
    "randomize_seed",
    "aspect_ratio",
    "guidance_scale",
    "num_inference_steps",
    "prompt_enhance",
)
Z_IMAGE_PARAMETERS = (  # height before width
    "prompt",
    "height",
    "width",
    "num_inference_steps",
    "seed",
    "randomize_seed",
)
# SD 3.5's pipeline raises for sides that are not multiples of 16; step 32 keeps to that.
SD35_SIZE = SizeRule(minimum=512, maximum=1024, step=32, default=1024)
FLUX_SIZE = SizeRule(minimum=256, maximum=2048, step=32, default=1024)
# Qwen-Image picks the size from its aspect-ratio Radio (the Spaces' own table).
QWEN_SIZES = RatioSizes(
    sizes={
        "1:1": (1328, 1328),
        "16:9": (1664, 928),
        "9:16": (928, 1664),
        "4:3": (1472, 1140),
        "3:4": (1140, 1472),
        "3:2": (1584, 1056),
        "2:3": (1056, 1584),
    },
    default="16:9",
)
# Sent as off: the Space would rewrite the prompt with an LLM, so the image would follow a
# prompt nobody typed, and its PNG's parameters would not reproduce it.
NO_PROMPT_REWRITE = {"prompt_enhance": False}


class StabilityAI_SD35Large(SpaceProvider):
    label = "StabilityAI SD-3.5-Large"
    display_name = "Stable Diffusion 3.5 Large"
    good_at = "prompt following"
    description = "Stability AI's 8B model: strong prompt following, 40 steps by default."
    url = "https://stabilityai-stable-diffusion-3-5-large.hf.space"
    api_endpoint = "/gradio_api/call/infer"
    working = True
    default_model = "stabilityai-stable-diffusion-3.5-large"
    model_spellings = ("stabilityai-stable-diffusion-3-5-large",)
    model_aliases = {"sd-3.5": default_model, "sd-3.5-large": default_model}
    family = "sd-3.5-large"
    spec = SpaceSpec(
        space_id="stabilityai/stable-diffusion-3.5-large",
        parameters=SD35_PARAMETERS,
        size=SD35_SIZE,
        steps=Range(1, 50, 1, 40),
        guidance=Range(0.0, 7.5, 0.1, 4.5),
        streams_previews=False,
        gpu_seconds=65,
    )

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        api_key: str | None = None,
        proxy: str | None = None,
        aspect_ratio: str = "1:1",
        width: int | None = None,
        height: int | None = None,
        guidance_scale: float = 4.5,
        num_inference_steps: int = 50,
        seed: int = 0,
        randomize_seed: bool = True,
        **kwargs: Any,
    ):
        async for item in cls.generate(
            model=model,
            messages=messages,
            prompt=prompt,
            negative_prompt=negative_prompt,
            api_key=api_key,
            proxy=proxy,
            aspect_ratio=aspect_ratio,
            width=width,
            height=height,
            guidance_scale=guidance_scale,
            num_inference_steps=num_inference_steps,
            seed=seed,
            randomize_seed=randomize_seed,
            **kwargs,
        ):
            yield item


class StabilityAI_SD35LargeTurbo(SpaceProvider):
    label = "StabilityAI SD-3.5-Large-Turbo"
    display_name = "Stable Diffusion 3.5 Large Turbo"
    good_at = "quick drafts"
    description = "The distilled SD 3.5 Large: 4 steps, no guidance, a few seconds an image."
    default_model = "stabilityai-stable-diffusion-3.5-large-turbo"
    model_spellings = ("stabilityai-stable-diffusion-3-5-large-turbo",)
    model_aliases = {"sd-3.5-turbo": default_model, "sd-3.5-large-turbo": default_model}
    family = "sd-3.5-large-turbo"
    spec = SpaceSpec(
        space_id="stabilityai/stable-diffusion-3.5-large-turbo",
        parameters=SD35_PARAMETERS,
        size=SD35_SIZE,  # bounds unconfirmed upstream: assumed those of SD 3.5 Large
        steps=Range(1, 50, 1, 4),
        guidance=Range(0.0, 7.5, 0.1, 0.0),
        streams_previews=False,
        gpu_seconds=60,
    )


class BlackForestLabs_Flux1Schnell(SpaceProvider):
    label = "BlackForestLabs Flux-1-Schnell"
    display_name = "FLUX.1 [schnell]"
    good_at = "quick drafts"
    description = "Black Forest Labs' fast FLUX: 4 steps, no guidance setting."
    default_model = "black-forest-labs-flux-1-schnell"
    model_aliases = {"flux-schnell": default_model, "flux": default_model}
    family = "flux-schnell"
    spec = SpaceSpec(
        space_id="black-forest-labs/FLUX.1-schnell",
        parameters=FLUX_SCHNELL_PARAMETERS,
        size=FLUX_SIZE,
        steps=Range(1, 50, 1, 4),
        guidance=None,
        streams_previews=False,
        gpu_seconds=60,
    )


class BlackForestLabs_Flux1Dev(SpaceProvider):
    label = "BlackForestLabs Flux-1-Dev"
    display_name = "FLUX.1 [dev]"
    good_at = "detail, live previews"
    description = "Black Forest Labs' FLUX dev: detailed images, a preview at every step."
    default_model = "black-forest-labs-flux-1-dev"
    model_aliases = {"flux-dev": default_model}
    family = "flux-dev"
    spec = SpaceSpec(
        space_id="black-forest-labs/FLUX.1-dev",
        parameters=FLUX_DEV_PARAMETERS,
        size=FLUX_SIZE,
        steps=Range(1, 50, 1, 28),
        guidance=Range(1.0, 15.0, 0.1, 3.5),
        streams_previews=True,  # steps previews (tiny-VAE decodes), then the final image
        gpu_seconds=75,
    )


class Voodoohop_Flux1Schnell(SpaceProvider):
    label = "Voodoohop Flux-1-Schnell"
    display_name = "FLUX.1 [schnell] (voodoohop)"
    good_at = "quick drafts, a backup"
    description = "A community copy of FLUX.1 [schnell]: a second chance when the first is busy."
    url = "https://voodoohop-flux-1-schnell.hf.space"
    api_endpoint = "https://voodoohop-flux-1-schnell.hf.space/call/infer"
    working = True
    default_model = "voodoohop-flux-1-schnell"
    model_aliases = {"flux-schnell": default_model, "flux": default_model}
    family = "flux-schnell"
    spec = SpaceSpec(
        space_id="voodoohop/FLUX.1-schnell",
        parameters=FLUX_SCHNELL_PARAMETERS,
        # Bounds unconfirmed upstream. The seed's rule (multiples of 8) runs first; step 16
        # is FLUX's grid, to which its pipeline would otherwise round the image down.
        size=SizeRule(minimum=256, maximum=2048, step=16, default=768),
        steps=Range(1, 50, 1, 2),
        guidance=None,
        streams_previews=False,
        gpu_seconds=60,
    )

    @classmethod
    def adjust_size(cls, width: int, height: int) -> tuple[int, int]:
        # The seed provider's rule, kept before the bounds.
        return max(32, width - (width % 8)), max(32, height - (height % 8))

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        proxy: str | None = None,
        prompt: str | None = None,
        width: int | None = 768,
        height: int | None = 768,
        num_inference_steps: int = 2,
        seed: int = 0,
        randomize_seed: bool = True,
        **kwargs: Any,
    ):
        async for item in cls.generate(
            model=model,
            messages=messages,
            proxy=proxy,
            prompt=prompt,
            width=width,
            height=height,
            num_inference_steps=num_inference_steps,
            seed=seed,
            randomize_seed=randomize_seed,
            **kwargs,
        ):
            yield item


class BlackForestLabs_Flux1KreaDev(SpaceProvider):
    label = "BlackForestLabs Flux-1-Krea-Dev"
    display_name = "FLUX.1 Krea [dev]"
    good_at = "natural photos, live previews"
    description = 'FLUX.1 [dev] tuned with Krea for natural, less "AI-looking" photos.'
    default_model = "black-forest-labs-flux-1-krea-dev"
    model_aliases = {"flux-krea": default_model, "flux-krea-dev": default_model}
    family = "flux-krea-dev"
    spec = SpaceSpec(
        space_id="black-forest-labs/FLUX.1-Krea-dev",
        parameters=FLUX_DEV_PARAMETERS,
        size=FLUX_SIZE,  # up to 2048 confirmed; the rest as FLUX.1-dev (unconfirmed)
        steps=Range(1, 50, 1, 28),
        guidance=Range(1.0, 15.0, 0.1, 4.5),
        streams_previews=True,  # tiny-VAE previews, then the final image
        gpu_seconds=60,
    )


class Multimodalart_QwenImageFast(SpaceProvider):
    label = "Multimodalart Qwen-Image-Fast"
    display_name = "Qwen-Image (fast)"
    good_at = "text in images"
    description = "Qwen's 20B model, distilled to 8 steps: legible text in images, posters."
    default_model = "multimodalart-qwen-image-fast"
    model_aliases = {"qwen-image": default_model, "qwen-image-fast": default_model}
    family = "qwen-image"
    spec = SpaceSpec(
        space_id="multimodalart/Qwen-Image-Fast",
        parameters=QWEN_PARAMETERS,
        size=QWEN_SIZES,
        steps=Range(1, 50, 1, 8),
        guidance=Range(1.0, 10.0, 1.0, 1.0),
        streams_previews=False,
        gpu_seconds=60,
        fixed=NO_PROMPT_REWRITE,
    )


class Qwen_QwenImage(SpaceProvider):
    label = "Qwen Qwen-Image"
    display_name = "Qwen-Image"
    good_at = "text in images, full quality"
    description = "Qwen's own Space of Qwen-Image: full 50 steps, a slow and costly fallback."
    default_model = "qwen-qwen-image"
    model_aliases = {"qwen-image": default_model}
    family = "qwen-image"
    spec = SpaceSpec(
        space_id="Qwen/Qwen-Image",
        # Confirmed: prompt, seed, randomize_seed, aspect_ratio and 50 steps by default. The
        # rest is assumed from the fast Space and sent only if the live API shows it.
        parameters=QWEN_PARAMETERS,
        unconfirmed=frozenset({"guidance_scale", "num_inference_steps", "prompt_enhance"}),
        size=QWEN_SIZES,
        steps=Range(1, 50, 1, 50),
        guidance=Range(1.0, 10.0, 0.1, 4.0),
        streams_previews=False,
        gpu_seconds=120,
        fixed=NO_PROMPT_REWRITE,
    )


def _z_image(space_id: str) -> SpaceSpec:
    return SpaceSpec(
        space_id=space_id,
        api_name="/generate_image",
        parameters=Z_IMAGE_PARAMETERS,
        # Size and steps bounds are unconfirmed: these are the offline default, the live
        # sliders win. Guidance is fixed at 0 by the Space (no input).
        size=SizeRule(minimum=512, maximum=2048, step=16, default=1024),
        steps=Range(1, 30, 1, 9),
        guidance=None,
        streams_previews=False,
        gpu_seconds=60,
    )


class TongyiMAI_ZImageTurbo(SpaceProvider):
    label = "Tongyi-MAI Z-Image-Turbo"
    display_name = "Z-Image Turbo"
    good_at = "photoreal"
    description = "Alibaba's 6B turbo model: photoreal images in a few steps, no guidance."
    default_model = "tongyi-mai-z-image-turbo"
    model_aliases = {"z-image-turbo": default_model, "z-image": default_model}
    family = "z-image-turbo"
    spec = _z_image("Tongyi-MAI/Z-Image-Turbo")


class Mrfakename_ZImageTurbo(SpaceProvider):
    label = "Mrfakename Z-Image-Turbo"
    display_name = "Z-Image Turbo (mrfakename)"
    good_at = "photoreal, a backup"
    description = "A community copy of Z-Image Turbo: a second chance when the first is busy."
    default_model = "mrfakename-z-image-turbo"
    model_aliases = {"z-image-turbo": default_model, "z-image": default_model}
    family = "z-image-turbo"
    spec = _z_image("mrfakename/Z-Image-Turbo")
