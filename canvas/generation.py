"""One generation, from a person's request to a saved PNG, as a stream of frames for a UI.

It knows providers only through the registry and their common interface: no Space is named
here. Bad input is refused before any upstream call; when a Space is out of quota or down,
the next Space serving the same model family is tried, unless a preview was already shown.
"""

from __future__ import annotations

import dataclasses
import re
import time
import unicodedata
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread

import providers
from providers import (
    ImagePreview,
    ImageResponse,
    ProgressUpdate,
    ResponseError,
    SpaceProvider,
)
from providers.images import open_checked

from .pnginfo import GenerationParameters, save_png


@dataclass(frozen=True)
class Request:
    """What a person asked for. `width`/`height` of None: from the aspect ratio."""

    prompt: str
    model: str | None = None
    negative_prompt: str = ""
    aspect_ratio: str = "1:1"
    width: Any = None
    height: Any = None
    num_inference_steps: Any = None
    guidance_scale: Any = None
    seed: Any = 0
    randomize_seed: Any = True


@dataclass(frozen=True)
class Visitor:
    """Who is asking, for this one call: never stored past it."""

    ip_token: str | None = None  # ZeroGPU's X-IP-Token of the visitor's request
    hf_token: str | None = None  # from "Sign in with Hugging Face", if they did


@dataclass(frozen=True)
class ImageRecord:
    """A finished image and everything needed to show, reuse or reproduce it."""

    id: str
    path: str  # the PNG, with its parameters chunk
    model: str  # registry name
    model_label: str
    parameters: GenerationParameters
    created: float = 0.0  # seconds since the epoch, when the image was saved

    @property
    def caption(self) -> str:
        p = self.parameters
        return f"{self.model_label} · seed {p.seed} · {p.width}×{p.height}"


# What a frame's status says, for a UI that words it in another language (`Frame.facts`):
# "sending" (model), "progress" (progress: a ProgressUpdate), "preview" (step, total),
# "done" (the frame's record), "fallback" (error, model: the next one tried).
FRAME_KINDS = ("sending", "progress", "preview", "done", "fallback")


@dataclass(frozen=True)
class Frame:
    """What to show now: a status line, and maybe an image (preview or final)."""

    status: str  # in English
    preview: str | None = None  # path of an intermediate image
    record: ImageRecord | None = None  # set on the last frame of a success
    kind: str = ""  # one of FRAME_KINDS
    facts: dict[str, Any] = dataclasses.field(default_factory=dict)


def resolve(request: Request) -> tuple[type[SpaceProvider], dict[str, Any]]:
    """The provider and its upstream arguments, or BadRequestError before any upstream call."""
    provider = providers.registry.get(request.model)
    fields = dataclasses.asdict(request)
    fields.pop("model")
    return provider, provider.prepare(**fields)


async def generate(
    request: Request,
    visitor: Visitor,
    *,
    output_dir: Path,
    fallback: bool = True,
    timeout: float | None = None,
    previews: bool = True,
) -> AsyncIterator[Frame]:
    """Frames of one generation: status lines, previews (unless `previews` is False: an API
    caller that only wants the image), then the saved image."""
    # Each candidate's provider checks the request before its call (bounds differ per Space).
    provider = providers.registry.get(request.model)
    candidates = [provider, *(providers.registry.alternatives(provider) if fallback else [])]
    first_failure: ResponseError | None = None  # what happened on the chosen Space
    for attempt, candidate in enumerate(candidates):
        shown_preview = False
        try:
            async for frame in _run(candidate, request, visitor, output_dir, timeout, previews):
                shown_preview = shown_preview or frame.preview is not None
                yield frame
            return
        except ResponseError as error:
            if first_failure is not None:
                # A visitor who picked one Space reads what happened there, then elsewhere.
                error.message = f"{first_failure.message} Tried instead: {error.message}"
                error.args = (error.message,)
                error.first_failure = first_failure  # for a page that words it itself
            last = attempt == len(candidates) - 1
            if shown_preview or last or not error.fallback_ok:
                raise
            first_failure = first_failure or error
            next_label = candidates[attempt + 1].display_name
            yield Frame(
                status=f"{error.message} Trying {next_label} instead…",
                kind="fallback",
                facts={"error": error, "model": next_label},
            )


async def _run(
    provider: type[SpaceProvider],
    request: Request,
    visitor: Visitor,
    output_dir: Path,
    timeout: float | None,
    previews: bool,
) -> AsyncIterator[Frame]:
    name = providers.registry.name_of(provider)
    fields = dataclasses.asdict(request) | {"model": None}
    shown: set[str] = set()  # preview files, which stay on disk
    yield Frame(
        status=f"Sending to {provider.display_name}…",
        kind="sending",
        facts={"model": provider.display_name},
    )
    async for item in provider.generate(
        **fields,
        api_key=visitor.hf_token,
        x_ip_token=visitor.ip_token,
        timeout=timeout,
        progress=True,
        previews=previews,
        decode_final=False,  # decoded once, here, for the PNG (see _save)
    ):
        if isinstance(item, ProgressUpdate):
            yield Frame(status=item.describe(), kind="progress", facts={"progress": item})
        elif isinstance(item, ImagePreview):
            # Kept on disk: browsers and API clients fetch previews after they are sent.
            # The app's folder is pruned by age and size.
            shown.add(item.path)
            step = f" (step {item.step} of {item.total_steps})" if item.total_steps else ""
            yield Frame(
                status=f"Preview{step}",
                preview=item.path,
                kind="preview",
                facts={"step": item.step, "total": item.total_steps},
            )
        elif isinstance(item, ImageResponse):
            # A Stop waits for the PNG to be whole (tens of ms): no half-written files.
            record = await anyio.to_thread.run_sync(_save, provider, name, item, output_dir)
            if item.path not in shown:  # only the PNG is ever served
                Path(item.path).unlink(missing_ok=True)
            yield Frame(status=f"Done: {record.caption}", record=record, kind="done")


def _save(
    provider: type[SpaceProvider], name: str, image: ImageResponse, output_dir: Path
) -> ImageRecord:
    sent = image.parameters
    parameters = GenerationParameters(
        prompt=sent["prompt"],
        negative_prompt=sent.get("negative_prompt", ""),
        steps=sent.get("num_inference_steps"),
        guidance_scale=sent.get("guidance_scale"),
        seed=image.seed if image.seed is not None else sent["seed"],
        width=image.width or sent["width"],
        height=image.height or sent["height"],
        model=provider.display_name,
        space=provider.spec.space_id,
    )
    image_id = uuid.uuid4().hex
    target = output_dir / download_name(parameters, image_id)
    try:
        # The final image's one decode, which is also its check: a broken one is named here.
        with open_checked(image.path, decode=True) as decoded:
            path = save_png(decoded, target, parameters)
    except ResponseError as error:
        raise error.naming(provider.display_name) from None
    return ImageRecord(
        id=image_id,
        path=str(path),
        model=name,
        model_label=provider.display_name,
        parameters=parameters,
        created=time.time(),
    )


_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits, in any script
PROMPT_WORDS, PROMPT_CHARS = 6, 40


def download_name(parameters: GenerationParameters, unique: str) -> str:
    """What a person finds in their downloads folder: a few words of the prompt, the model,
    the seed, and 8 characters of the image's id that keep the name unique. Only letters,
    digits and hyphens (any script: a Russian prompt keeps its words), at most ~80 chars."""
    prompt = _slug(parameters.prompt, words=PROMPT_WORDS) or "image"
    model = _slug(parameters.model) or "model"
    return f"{prompt}_{model}_seed{parameters.seed}_{unique[:8]}.png"


def _slug(text: str, words: int | None = None) -> str:
    """The first `words` words of a text, joined by hyphens, cut to PROMPT_CHARS; a cut
    never leaves a hyphen at the end."""
    found = _WORD.findall(unicodedata.normalize("NFKC", text).lower())[:words]
    return "-".join(found)[:PROMPT_CHARS].rstrip("-")
