"""How the page runs generations: the app's settings and files, the visitor of a Gradio request,
and a person's input turned into a checked request (or an error naming the problem)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from canvas import generation
from canvas.files import ImageFolder
from canvas.generation import Request, Visitor
from canvas.settings import Settings
from providers import BadRequestError, ResponseError

from .text import no_markup

INPUT_ERROR_TITLE = "Please check your input"
UPSTREAM_ERROR_TITLE = "The Space could not make this image"


def visitor_of(request: gr.Request | None, oauth_token: gr.OAuthToken | None) -> Visitor:
    headers = getattr(request, "headers", None) or {}
    return Visitor(
        ip_token=headers.get("x-ip-token") or None,
        hf_token=oauth_token.token if oauth_token is not None else None,
    )


def request_of(
    prompt, negative_prompt, model, aspect_ratio, width, height, steps, guidance, seed, randomize
) -> Request:
    request = Request(
        prompt=prompt if prompt is not None else "",
        model=model,
        negative_prompt=negative_prompt or "",
        aspect_ratio=aspect_ratio,
        width=width or None,  # 0 or empty: from the aspect ratio
        height=height or None,
        num_inference_steps=steps,
        guidance_scale=guidance,
        seed=seed,
        randomize_seed=randomize,
    )
    try:
        generation.resolve(request)  # every check, before any upstream call
    except BadRequestError as error:
        raise gr.Error(no_markup(error.message), title=INPUT_ERROR_TITLE) from None
    return request


def upstream_error(error: ResponseError) -> gr.Error:
    return gr.Error(no_markup(error.message), title=UPSTREAM_ERROR_TITLE)


@dataclass(frozen=True)
class Generations:
    """What every part needs to run a generation: the operator's settings and the app's files."""

    settings: Settings
    files: ImageFolder
    output_dir: Path  # where finished PNGs are saved

    async def frames(
        self,
        job: Request,
        request: gr.Request,
        oauth_token: gr.OAuthToken | None,
        *,
        previews: bool = True,
    ):
        """One generation's frames, with this app's settings and this visitor's identity."""
        try:
            async for frame in generation.generate(
                job,
                visitor_of(request, oauth_token),
                output_dir=self.output_dir,
                fallback=self.settings.fallback,
                timeout=self.settings.job_timeout,
                previews=previews,
            ):
                yield frame
        finally:
            self.files.maybe_prune_in_background()
