"""gpt4free's provider contract, implemented once for every Space.

A provider class declares its Space (a `SpaceSpec`) and the seed attributes (label, url,
models...); `create_async_generator` checks the request, calls the Space through the one
adapter in `gradio_space`, and yields `ImagePreview`s then one `ImageResponse`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

from . import gpt4free
from .blocking import run_blocking
from .contract import LiveContracts
from .errors import (
    BadRequestError,
    MalformedOutputError,
    ModelNotFoundError,
    ResponseError,
    SpaceChangedError,
    SpaceUnavailableError,
    shown,
)
from .gradio_space import Deadline, JobOutput, SpaceClients, Timeouts, run_job
from .images import ImageFetcher, LocalImage, check_image
from .prompting import Messages, format_image_prompt, use_aspect_ratio
from .responses import ImagePreview, ImageResponse, ProgressUpdate
from .spec import MAX_PROMPT_CHARS, MAX_SEED, Range, RatioSizes, SpaceSpec

# Sizes a caller may ask for before snapping; each Space then snaps into its own bounds.
REQUEST_SIZE = (32, 4096)
REQUEST_SIDE = Range(*REQUEST_SIZE, step=1, default=1024)
SEED = Range(0, MAX_SEED, step=1, default=0)
REQUEST_FIELDS = (
    "prompt",
    "negative_prompt",
    "aspect_ratio",
    "width",
    "height",
    "guidance_scale",
    "num_inference_steps",
    "seed",
    "randomize_seed",
)
# C0 and C1 control characters, except tab and newline.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Runtime:
    """What every provider shares: the Clients per Space and the image fetcher."""

    def __init__(self) -> None:
        self.clients = SpaceClients()
        self.fetcher = ImageFetcher()
        self.contracts = LiveContracts()  # what each Space's API said when last read

    def configure(
        self,
        *,
        timeouts: Timeouts | None = None,
        download_dir=None,
        client_idle_seconds: float | None = None,
    ) -> None:
        """Replace the shared pieces (closing the old ones), e.g. for tests or an app."""
        if timeouts is not None or client_idle_seconds is not None:
            self.clients.close()
            self.clients = SpaceClients(
                timeouts or self.clients.timeouts, idle_seconds=client_idle_seconds or 60.0
            )
        if download_dir is not None:
            self.fetcher.close()
            self.fetcher = ImageFetcher(download_dir)

    def close(self) -> None:
        self.clients.close()
        self.fetcher.close()


RUNTIME = Runtime()


class ProviderModelMixin(*gpt4free.MODEL_MIXIN_BASES):
    """Model names and aliases of a provider, as gpt4free's mixin has them (and derived
    from it when g4f is installed)."""

    default_model: ClassVar[str] = ""
    default_image_model: ClassVar[str] = ""
    model_aliases: ClassVar[dict[str, str]] = {}
    image_models: ClassVar[list[str]] = []
    models: ClassVar[list[str]] = []
    # Other spellings of the default model that callers use (the seeds differ on one).
    model_spellings: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def get_models(cls, **kwargs: Any) -> list[str]:
        return list(cls.models)

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        """The model id for a name: the default for an empty name or "auto" (as in
        gpt4free), aliases resolved."""
        if not model or model == "auto":
            return cls.default_model
        if model in cls.model_aliases:
            return cls.model_aliases[model]
        if model == cls.default_model or model in cls.model_spellings:
            return cls.default_model
        if model in cls.get_models():
            return model
        valid = [cls.default_model, *cls.model_aliases]
        raise ModelNotFoundError(model, valid, provider=getattr(cls, "label", cls.__name__))


class AsyncGeneratorProvider(*gpt4free.PROVIDER_BASES):
    """gpt4free's base for providers whose answer is an async generator (its own class is
    the base when g4f is installed, which gives what g4f's consumers read)."""

    working: ClassVar[bool] = True

    @classmethod
    def create_async_generator(cls, model: str, messages: Messages, **kwargs: Any):
        raise NotImplementedError


class SpaceProvider(AsyncGeneratorProvider, ProviderModelMixin):
    """A provider backed by one Hugging Face Space, described by `spec`."""

    spec: ClassVar[SpaceSpec]
    label: ClassVar[str]
    url: ClassVar[str]
    api_endpoint: ClassVar[str]
    family: ClassVar[str]  # providers of one family serve the same model (for fallback)
    display_name: ClassVar[str]  # what a person calls the model, for menus
    description: ClassVar[str] = ""
    good_at: ClassVar[str] = ""  # a few words for a menu: what to pick this model for

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "spec" not in cls.__dict__:
            return
        cls.url = cls.__dict__.get("url", cls.spec.url)
        cls.api_endpoint = cls.__dict__.get(
            "api_endpoint", f"{cls.url}/gradio_api/call{cls.spec.api_name}"
        )
        cls.default_image_model = cls.__dict__.get("default_image_model", cls.default_model)
        if "image_models" not in cls.__dict__:
            cls.image_models = list(cls.model_aliases)
        if "models" not in cls.__dict__:
            cls.models = cls.image_models

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
        guidance_scale: float | None = None,
        num_inference_steps: int | None = None,
        seed: int = 0,
        randomize_seed: bool = True,
        **kwargs: Any,
    ) -> AsyncIterator[ImagePreview | ImageResponse | ProgressUpdate]:
        """Yield an `ImagePreview` per intermediate image, then one `ImageResponse`.

        `None` for guidance or steps means the Space's own default. Extra keyword arguments:
        `x_ip_token` (the visitor's ZeroGPU token; read from the current Gradio request when
        not given), `timeout` (seconds for the whole job), `progress=True` to also receive
        `ProgressUpdate`s, `previews=False` for the final image only (previews not fetched).
        """
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

    @classmethod
    def adjust_size(cls, width: int, height: int) -> tuple[int, int]:
        """A provider's own size rule, applied before the Space's bounds."""
        return width, height

    @classmethod
    def prepare(
        cls,
        *,
        spec: SpaceSpec | None = None,
        messages: Messages = None,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        aspect_ratio: str | None = "1:1",
        width: Any = None,
        height: Any = None,
        guidance_scale: Any = None,
        num_inference_steps: Any = None,
        seed: Any = 0,
        randomize_seed: Any = True,
    ) -> dict[str, Any]:
        """The Space's arguments for a request, or a BadRequestError naming the bad input.

        Documented adjustments: control characters are removed from prompts; the size is
        snapped to the Space's bounds and step (or, for a Space that takes a ratio, to its
        nearest offered ratio). Everything else out of range is refused. `spec`: the facts
        to check against, by default the live ones if the Space was read, else the declared.
        """
        spec = spec or cls.current_spec()
        text = clean_text("prompt", format_image_prompt(messages, prompt))
        if not text.strip():
            raise BadRequestError(
                "prompt is empty: describe the image to make.", field="prompt", reason="empty"
            )
        values: dict[str, Any] = {"prompt": text}
        values["negative_prompt"] = clean_text("negative_prompt", negative_prompt or "")
        wanted = cls._wanted_size(aspect_ratio, width, height)
        if isinstance(spec.size, RatioSizes):
            values[spec.size.input] = spec.size.nearest(*wanted)
        values["width"], values["height"] = spec.size.size_for(*wanted)
        steps = spec.steps.default if num_inference_steps is None else num_inference_steps
        values["num_inference_steps"] = spec.steps.check("num_inference_steps", steps, integer=True)
        if spec.guidance is not None:
            guidance = spec.guidance.default if guidance_scale is None else guidance_scale
            values["guidance_scale"] = spec.guidance.check(
                "guidance_scale", guidance, integer=False
            )
        values["seed"] = _seed(seed)
        if randomize_seed not in (True, False, 0, 1):
            raise BadRequestError(
                f"randomize_seed must be true or false, not {shown(randomize_seed)}.",
                field="randomize_seed",
                reason="boolean",
            )
        values["randomize_seed"] = bool(randomize_seed)
        return spec.arguments(values)

    @classmethod
    def planned_size(cls, aspect_ratio: str | None, width: Any, height: Any) -> tuple[int, int]:
        """The size this Space should make for a request (a ratio-taking Space's own size for
        the nearest ratio it offers), or a BadRequestError."""
        return cls.current_spec().size.size_for(*cls._wanted_size(aspect_ratio, width, height))

    @classmethod
    def planned_ratio(cls, aspect_ratio: str | None, width: Any, height: Any) -> str | None:
        """The ratio sent to a Space that takes one (None for width and height Spaces)."""
        size = cls.current_spec().size
        if not isinstance(size, RatioSizes):
            return None
        return size.nearest(*cls._wanted_size(aspect_ratio, width, height))

    @classmethod
    def _wanted_size(cls, aspect_ratio: str | None, width: Any, height: Any) -> tuple[int, int]:
        sides = {
            name: None if value is None else _request_side(name, value)
            for name, value in (("width", width), ("height", height))
        }
        sized = use_aspect_ratio(sides, aspect_ratio)
        return cls.adjust_size(sized["width"], sized["height"])

    @classmethod
    def current_spec(cls) -> SpaceSpec:
        """The Space's live facts once a Client has read them; the declared ones until then."""
        return RUNTIME.contracts.spec_of(cls.url, cls.spec)

    @classmethod
    def changed(cls) -> str | None:
        """How the Space changed under its declaration, if its last reading says so."""
        return RUNTIME.contracts.changed(cls.url)

    @classmethod
    async def generate(
        cls,
        *,
        model: str | None,
        messages: Messages = None,
        api_key: str | None = None,
        proxy: str | None = None,
        x_ip_token: str | None = None,
        timeout: float | None = None,
        progress: bool = False,
        previews: bool = True,
        decode_final: bool = True,
        **request: Any,
    ) -> AsyncIterator[ImagePreview | ImageResponse | ProgressUpdate]:
        """The job's previews (if `previews`; unwanted ones are not even downloaded), then
        the final image; with `progress`, the Space's queue and step updates too.

        The final image is decoded in full to catch a broken one, unless `decode_final` is
        False: for a caller that decodes it anyway (to re-encode it) through
        `images.open_checked`, which reports a broken image the same way. Only its header is
        checked here then."""
        model = cls.get_model(model)
        # Other keywords gpt4free callers pass (stream, n, response_format...) are ignored.
        fields = {k: v for k, v in request.items() if k in REQUEST_FIELDS}
        arguments = cls.prepare(messages=messages, **fields)
        headers = identity_headers(api_key, x_ip_token or _visitor_ip_token())
        clients, fetcher = RUNTIME.clients, RUNTIME.fetcher
        # One deadline for everything the job waits on, downloads included.
        deadline = Deadline(timeout or clients.timeouts.total)
        results = _Results(cls, model, arguments, fetcher, headers, decode_final=decode_final)

        def live_arguments(client) -> dict[str, Any]:
            # Checked again against the live API the Client fetched: live bounds win, and a
            # changed Space is refused before anything is sent.
            live = RUNTIME.contracts.read(cls.url, cls.spec, client)
            results.arguments = cls.prepare(spec=live, messages=messages, **fields)
            return results.arguments

        try:
            if changed := cls.changed():
                raise SpaceChangedError(changed)
            async for event in run_job(
                clients,
                cls.url,
                cls.spec.api_name,
                live_arguments,
                proxy=proxy,
                headers=headers,
                deadline=deadline,
            ):
                if isinstance(event, ProgressUpdate):
                    if progress:
                        yield event
                elif event.final:
                    yield await deadline.bound(results.final(event))
                elif results.expects_preview():
                    if previews:
                        yield await deadline.bound(results.preview(event))
                    else:
                        results.skip_preview()
                else:  # the final image, streamed before completion: fetch it now
                    await deadline.bound(results.prefetch(event))
        except ResponseError as error:
            if isinstance(error, SpaceUnavailableError | SpaceChangedError):
                clients.forget(cls.url, proxy)  # it may come back with a new config
            if isinstance(error, BadRequestError):
                raise
            error.naming(cls.display_name)
            raise


class _Results:
    """Turns the Space's outputs into our responses, fetching each image once."""

    def __init__(
        self, provider, model, arguments, fetcher: ImageFetcher, headers, *, decode_final: bool
    ):
        self.provider = provider
        self.decode_final = decode_final
        self.model = model
        self.arguments = arguments
        self.fetcher = fetcher
        # Files are public on the Space; only an explicit token may travel with a download.
        self.headers = {k: v for k, v in headers.items() if k == "x-hf-authorization"}
        self.previews = 0
        self.last: LocalImage | None = None
        self.last_fully_checked = False

    def expects_preview(self) -> bool:
        """A streaming Space sends one preview per step, then the final image as one more."""
        steps = self.arguments.get("num_inference_steps", 0)
        return self.provider.spec.streams_previews and self.previews < steps

    async def preview(self, output: JobOutput) -> ImagePreview:
        image = await self._fetch(output, full_check=False)
        self.previews += 1
        return ImagePreview(
            step=self.previews,
            total_steps=self.arguments.get("num_inference_steps"),
            **self._fields(image, output),
        )

    def skip_preview(self) -> None:
        self.previews += 1

    async def prefetch(self, output: JobOutput) -> None:
        await self._fetch(output, full_check=self.decode_final)

    async def final(self, output: JobOutput) -> ImageResponse:
        image = await self._fetch(output, full_check=self.decode_final)
        return ImageResponse(**self._fields(image, output))

    async def _fetch(self, output: JobOutput, *, full_check: bool) -> LocalImage:
        url = _image_url(output.values, self.provider.url)
        if self.last is not None and self.last.url == url:
            # The final is often the last preview: no refetch, and one full check at most.
            if full_check and not self.last_fully_checked:
                await run_blocking(check_image, Path(self.last.path), full_check=True)
                self.last_fully_checked = True
            return self.last
        self.last_fully_checked = full_check
        self.last = await run_blocking(
            self.fetcher.fetch,
            url,
            allowed_origin=self.provider.url,
            headers=self.headers,
            full_check=full_check,
        )
        return self.last

    def _fields(self, image: LocalImage, output: JobOutput) -> dict[str, Any]:
        return {
            "images": [image.path],
            "alt": self.arguments["prompt"],
            "url": image.url,
            "seed": _seed_of(output.values, self.arguments),
            "width": image.width,
            "height": image.height,
            "model": self.model,
            "provider": self.provider.label,
            "parameters": dict(self.arguments),
        }


def identity_headers(api_key: str | None, x_ip_token: str | None) -> dict[str, str]:
    """Headers that say who the visitor is, for one call: never stored, never shared."""
    headers = {}
    if x_ip_token:
        headers["x-ip-token"] = x_ip_token
    if api_key:
        headers["x-hf-authorization"] = f"Bearer {api_key}"
    return headers


def _visitor_ip_token() -> str | None:
    """The x-ip-token of the Gradio request being handled, if this runs inside one.

    Looked up only if the host app already imported Gradio: providers never import it.
    """
    context = sys.modules.get("gradio.context")
    if context is None:
        return None
    request = context.LocalContext.request.get(None)
    headers = getattr(request, "headers", None)
    return headers.get("x-ip-token") if headers is not None else None


def clean_text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        message = f"{field} must be text, not {type(value).__name__}."
        raise BadRequestError(message, field=field, reason="text")
    text = _CONTROL_CHARACTERS.sub("", value)
    if len(text) > MAX_PROMPT_CHARS:
        raise BadRequestError(
            f"{field} is {len(text)} characters long; the limit is {MAX_PROMPT_CHARS}.",
            field=field,
            reason="too_long",
            length=len(text),
            limit=MAX_PROMPT_CHARS,
        )
    return text


def _request_side(field: str, value: Any) -> int:
    return REQUEST_SIDE.check(field, value, integer=True)


def _seed(value: Any) -> int:
    return SEED.check("seed", value, integer=True)


def _image_url(values: tuple[Any, ...], space_url: str) -> str:
    """The URL of the image output (the first output, a Gradio FileData)."""
    image = values[0] if values else None
    if isinstance(image, dict):
        if isinstance(image.get("url"), str):
            return image["url"]
        if isinstance(image.get("path"), str):
            return f"{space_url.rstrip('/')}/gradio_api/file={image['path']}"
    raise MalformedOutputError(f"could not find the image in the Space's output: {values!r:.200}")


def _seed_of(values: tuple[Any, ...], arguments: dict[str, Any]) -> int | None:
    """The seed the Space reports using (its second output), else the one we sent."""
    if len(values) > 1:
        try:
            return int(values[1])
        except (TypeError, ValueError):
            pass
    return None if arguments.get("randomize_seed") else arguments.get("seed")
