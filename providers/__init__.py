"""Image providers for Hugging Face Spaces, with gpt4free's provider interface.

    from providers import BlackForestLabs_Flux1Schnell
    async for item in BlackForestLabs_Flux1Schnell.create_async_generator("flux-schnell", "a fox"):
        ...  # ImagePreview objects while the Space streams, then one ImageResponse

Importing this package makes no network call: each Space is reached on first use.
"""

from .base import RUNTIME, SpaceProvider
from .errors import (
    BadRequestError,
    MalformedOutputError,
    ModelNotFoundError,
    OfflineError,
    QuotaExceededError,
    ResponseError,
    SpaceChangedError,
    SpaceUnavailableError,
    UpstreamAppError,
    UpstreamTimeoutError,
)
from .gradio_space import Timeouts
from .prompting import ASPECT_RATIOS, format_image_prompt, use_aspect_ratio
from .registry import Registry, space_urls_from_environment
from .responses import ImagePreview, ImageResponse, ProgressUpdate
from .spaces import (
    BlackForestLabs_Flux1Dev,
    BlackForestLabs_Flux1KreaDev,
    BlackForestLabs_Flux1Schnell,
    Mrfakename_ZImageTurbo,
    Multimodalart_QwenImageFast,
    Qwen_QwenImage,
    StabilityAI_SD35Large,
    StabilityAI_SD35LargeTurbo,
    TongyiMAI_ZImageTurbo,
    Voodoohop_Flux1Schnell,
)
from .spec import MAX_PROMPT_CHARS, MAX_SEED, Range, RatioSizes, SizeRule, SpaceSpec

# The first registered is the default: the fastest model, lightest on visitors' GPU quota.
registry = Registry()
registry.register("flux-schnell", BlackForestLabs_Flux1Schnell, aliases=("flux",))
registry.register("z-image-turbo", TongyiMAI_ZImageTurbo, aliases=("z-image",))
registry.register("flux-dev", BlackForestLabs_Flux1Dev)
registry.register("flux-krea-dev", BlackForestLabs_Flux1KreaDev, aliases=("flux-krea",))
registry.register("qwen-image-fast", Multimodalart_QwenImageFast, aliases=("qwen-image",))
registry.register("sd-3.5-large", StabilityAI_SD35Large, aliases=("sd-3.5",))
registry.register("sd-3.5-large-turbo", StabilityAI_SD35LargeTurbo, aliases=("sd-3.5-turbo",))
# Second Spaces of a model, tried when the first fails: listed after the first ones.
registry.register("voodoohop-flux-schnell", Voodoohop_Flux1Schnell)
registry.register("mrfakename-z-image-turbo", Mrfakename_ZImageTurbo)
registry.register("qwen-image-official", Qwen_QwenImage)
space_urls_from_environment(registry)

__all__ = [
    "ASPECT_RATIOS",
    "MAX_PROMPT_CHARS",
    "MAX_SEED",
    "RUNTIME",
    "BadRequestError",
    "BlackForestLabs_Flux1Dev",
    "BlackForestLabs_Flux1KreaDev",
    "BlackForestLabs_Flux1Schnell",
    "ImagePreview",
    "ImageResponse",
    "MalformedOutputError",
    "ModelNotFoundError",
    "Mrfakename_ZImageTurbo",
    "Multimodalart_QwenImageFast",
    "OfflineError",
    "ProgressUpdate",
    "QuotaExceededError",
    "Qwen_QwenImage",
    "Range",
    "RatioSizes",
    "Registry",
    "ResponseError",
    "SizeRule",
    "SpaceChangedError",
    "SpaceProvider",
    "SpaceSpec",
    "SpaceUnavailableError",
    "StabilityAI_SD35Large",
    "StabilityAI_SD35LargeTurbo",
    "Timeouts",
    "TongyiMAI_ZImageTurbo",
    "UpstreamAppError",
    "UpstreamTimeoutError",
    "Voodoohop_Flux1Schnell",
    "format_image_prompt",
    "registry",
    "use_aspect_ratio",
]
