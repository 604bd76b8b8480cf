"""gpt4free's own base classes, when the `g4f` package is installed; nothing when it is not.

Our providers, responses and errors list these among their bases (`class X(*BASES)`), so with
g4f installed every g4f consumer (its clients, its chat API, its retry lists and aggregators,
its GUI's isinstance checks) takes them as its own. Without g4f each tuple is empty: the
classes are exactly our own, and nothing imports g4f.
"""

from __future__ import annotations

try:
    from g4f import errors as _errors
    from g4f.providers import base_provider as _base
    from g4f.providers import response as _response
except ImportError:
    AVAILABLE = False
    PROVIDER_BASES: tuple[type, ...] = ()
    MODEL_MIXIN_BASES: tuple[type, ...] = ()
    IMAGE_BASES: tuple[type, ...] = ()
    PREVIEW_BASES: tuple[type, ...] = ()
    HIDDEN_BASES: tuple[type, ...] = ()
    RESPONSE_ERROR_BASE: type[Exception] = Exception
    BAD_REQUEST_BASES: tuple[type, ...] = ()
    RATE_LIMIT_BASES: tuple[type, ...] = ()
    MODEL_ERROR_BASES: tuple[type, ...] = ()
else:
    AVAILABLE = True
    PROVIDER_BASES = (_base.AsyncGeneratorProvider,)
    MODEL_MIXIN_BASES = (_base.ProviderModelMixin,)
    IMAGE_BASES = (_response.ImageResponse,)
    # g4f's ImagePreview is a HiddenResponse: joined into chat text it adds nothing.
    PREVIEW_BASES = (_response.ImagePreview,)
    HIDDEN_BASES = (_response.HiddenResponse,)
    RESPONSE_ERROR_BASE = _errors.ResponseError
    BAD_REQUEST_BASES = (_errors.BadRequestError,)
    RATE_LIMIT_BASES = (_errors.RateLimitError,)  # what g4f's API and router check for quota
    MODEL_ERROR_BASES = (_errors.ModelNotFoundError,)
