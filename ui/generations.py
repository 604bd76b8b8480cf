"""How the page runs generations: the app's settings and files, the visitor of a Gradio request,
and a person's input turned into a checked request (or an error naming the problem)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from canvas import compare, generation
from canvas.compare import Cell
from canvas.fair_share import FairShare, VisitorBusyError, visitor_key
from canvas.files import ImageFolder
from canvas.generation import Request, Visitor
from canvas.settings import Settings
from providers import BadRequestError, ResponseError

from .i18n import ENGLISH, error_text, say
from .text import no_markup

log = logging.getLogger("space_canvas")


def visitor_key_of(request: gr.Request | None) -> str:
    """The fair-share and log name of a request's visitor (never a token: see fair_share)."""
    headers = getattr(request, "headers", None) or {}
    client = getattr(request, "client", None)
    return visitor_key(
        getattr(request, "username", None),
        headers.get("x-ip-token") or None,
        getattr(client, "host", None),
    )


def refusal(
    error: ResponseError | VisitorBusyError,
    *,
    title: str,
    request: gr.Request | None,
    language: str = ENGLISH,
) -> gr.Error:
    """An expected failure (bad input, a busy visitor, an upstream's error): one log line
    in English naming the visitor by key, and no traceback (unexpected errors keep Gradio's);
    the pop-up in the visitor's language. `title` is a key of ui/i18n.py."""
    log_refusal(error.message, title=say(title, ENGLISH), request=request)
    text, heading = no_markup(error_text(error, language)), say(title, language)
    return gr.Error(text, title=heading, print_exception=False)


def log_refusal(message: str, *, title: str, request: gr.Request | None) -> None:
    log.info("%s for %s: %s", title, visitor_key_of(request), message)


def visitor_of(request: gr.Request | None, oauth_token: gr.OAuthToken | None) -> Visitor:
    headers = getattr(request, "headers", None) or {}
    return Visitor(
        ip_token=headers.get("x-ip-token") or None,
        hf_token=oauth_token.token if oauth_token is not None else None,
    )


def request_of(*fields, visitor: gr.Request | None = None) -> Request:
    """The checked request, or the refusal as an error for the caller (API, MCP)."""
    try:
        return checked_request(*fields)
    except BadRequestError as error:
        raise refusal(error, title="input_error_title", request=visitor) from None


def checked_request(
    prompt, negative_prompt, model, aspect_ratio, width, height, steps, guidance, seed, randomize
) -> Request:
    """A person's input as a Request, every check done before any upstream call
    (BadRequestError naming the field otherwise). None (a value left out) takes the
    default, the model's own for size, steps and guidance."""
    request = Request(
        prompt=prompt if prompt is not None else "",
        model=model,
        negative_prompt=negative_prompt or "",
        aspect_ratio=aspect_ratio if aspect_ratio is not None else "1:1",
        width=width or None,  # 0 or empty: from the aspect ratio
        height=height or None,
        num_inference_steps=steps,
        guidance_scale=guidance,
        seed=seed if seed is not None else 0,
        randomize_seed=randomize if randomize is not None else True,
    )
    generation.resolve(request)
    return request


def upstream_error(
    error: ResponseError, request: gr.Request | None = None, language: str = ENGLISH
) -> gr.Error:
    return refusal(error, title="upstream_error_title", request=request, language=language)


@dataclass(frozen=True)
class Generations:
    """What every part needs to run a generation: the operator's settings and the app's files."""

    settings: Settings
    files: ImageFolder
    output_dir: Path  # where finished PNGs are saved
    fair_share: FairShare  # generations per visitor at once

    @property
    def zip_dir(self) -> Path:
        """Where "Download all" zips are made (pruned with the rest of the app's files)."""
        return self.files.path / "zips"

    async def frames(
        self,
        job: Request,
        request: gr.Request,
        oauth_token: gr.OAuthToken | None,
        *,
        previews: bool = True,
        language: str = ENGLISH,
    ):
        """One generation's frames, with this app's settings and this visitor's identity,
        within the visitor's fair share (refused at once, in words, when it is used up)."""
        try:
            async with self.fair_share.job(visitor_key_of(request)):
                async for frame in generation.generate(
                    job,
                    visitor_of(request, oauth_token),
                    output_dir=self.output_dir,
                    fallback=self.settings.fallback,
                    timeout=self.settings.job_timeout,
                    previews=previews,
                ):
                    yield frame
        except VisitorBusyError as error:
            raise refusal(error, title="busy_title", request=request, language=language) from None
        finally:
            self.files.maybe_prune_in_background()

    async def cells(
        self,
        cells: list[Cell],
        request: gr.Request,
        oauth_token: gr.OAuthToken | None,
        *,
        previews: bool = True,
        language: str = ENGLISH,
    ):
        """A run's cell updates, for this visitor, within their fair share: the run is
        admitted or refused at once, in words; its cells then take the visitor's slots,
        those beyond them waiting in the visitor's own line."""
        try:
            async with self.fair_share.run(visitor_key_of(request)) as share:
                async for batch in compare.run(
                    cells,
                    visitor_of(request, oauth_token),
                    output_dir=self.output_dir,
                    fallback=self.settings.fallback,
                    timeout=self.settings.job_timeout,
                    previews=previews,
                    slot=share.job,
                ):
                    yield batch
        except VisitorBusyError as error:
            raise refusal(error, title="busy_title", request=request, language=language) from None
        finally:
            self.files.maybe_prune_in_background()
