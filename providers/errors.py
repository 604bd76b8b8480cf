"""Errors a provider raises, and the reading of upstream failures into them.

Every error carries a message fit for a person: it names the Space and says what helps.
A UI tells them apart by class; `fallback_ok` says another Space may succeed where this failed.
"""

from __future__ import annotations

import re
from datetime import timedelta

from . import gpt4free


def shown(value: object, limit: int = 40) -> str:
    """A value as it may appear in a message: its repr, cut short (inputs can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ResponseError(gpt4free.RESPONSE_ERROR_BASE):
    """Base of every failure a provider reports (gpt4free's, when g4f is installed)."""

    fallback_ok = False
    advice = ""  # what helps, added to a message that does not say it already
    # Set by a fallback on the last Space's error: what happened first, on the chosen Space.
    first_failure: ResponseError | None = None

    def __init__(self, message: str, *, provider: str | None = None):
        super().__init__(message)
        self.message = message
        self.provider = provider

    def naming(self, provider: str) -> ResponseError:
        """Put the provider's name in front of the message (once). Returns the error."""
        if self.provider != provider:
            self.provider = provider
            message = self.message.rstrip()
            if self.advice and "another model" not in message:
                message = f"{message.rstrip('.')}. {self.advice}"
            self.message = f"{provider}: {message}"
            self.args = (self.message,)
        return self


class BadRequestError(ResponseError, *gpt4free.BAD_REQUEST_BASES, ValueError):
    """The caller's input is invalid; nothing was sent upstream. `field` names the input;
    `reason` (e.g. "range") and `values` (e.g. minimum, maximum, value) say what is wrong, for
    a UI that words it in another language."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        provider: str | None = None,
        reason: str = "",
        **values: object,
    ):
        super().__init__(message, provider=provider)
        self.field = field
        self.reason = reason
        self.values = values


class ModelNotFoundError(BadRequestError, *gpt4free.MODEL_ERROR_BASES):
    """The model name matches no provider or alias; the message lists the valid ones."""

    def __init__(self, model: str, valid: list[str], *, provider: str | None = None):
        where = f" for {provider}" if provider else ""
        super().__init__(
            f"Unknown model {shown(model)}{where}. Choose one of: {', '.join(valid)}.",
            field="model",
            provider=provider,
        )
        self.model = model
        self.valid = valid


class QuotaExceededError(ResponseError, *gpt4free.RATE_LIMIT_BASES):
    """ZeroGPU refused the job for lack of GPU quota. `wait` is the upstream's estimate."""

    fallback_ok = True

    def __init__(
        self,
        message: str,
        *,
        upstream_message: str,
        wait: timedelta | None = None,
        provider: str | None = None,
    ):
        super().__init__(message, provider=provider)
        self.upstream_message = upstream_message
        self.wait = wait


class SpaceUnavailableError(ResponseError):
    """The Space cannot take the job: asleep, paused, building, busy or unreachable."""

    fallback_ok = True
    advice = "Try again in a few minutes, or pick another model."


class OfflineError(SpaceUnavailableError):
    """This machine cannot reach the Space's host at all: its name does not resolve, or there
    is no route to it. Another Space would fail the same way, so no fallback is tried."""

    fallback_ok = False
    advice = "Check this machine's internet connection, then try again."


class SpaceChangedError(ResponseError):
    """The Space's API no longer matches its declaration: its endpoint or an input renamed
    or gone, a new required input. Not the visitor's doing: nothing wrong was sent, and
    another Space serving the model may still work."""

    fallback_ok = True
    advice = "Space Canvas needs an update for it; pick another model meanwhile."


class UpstreamTimeoutError(ResponseError, TimeoutError):
    """The Space did not finish within the allowed time; the job was cancelled."""

    advice = "The Space may be overloaded: try again later, or pick another model."


class UpstreamAppError(ResponseError):
    """The Space's own code failed. `generic` is true when the Space hid the reason."""

    advice = "Try again, or pick another model."

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        generic: bool = False,
        upstream_text: str = "",
        provider=None,
    ):
        super().__init__(message, provider=provider)
        self.title = title
        self.generic = generic
        self.upstream_text = upstream_text  # the Space's own words, if it gave any


class MalformedOutputError(ResponseError, RuntimeError):
    """The Space answered with something that is not the image it promised."""

    advice = "Try again, or pick another model."


# Wordings from the `spaces` package across its versions (see shared/upstream-spaces.md).
_QUOTA = re.compile(r"exceeded your .*?(GPU|ZeroGPU) (quota|runs limit)", re.IGNORECASE)
_QUOTA_WAIT = re.compile(r"(?:Try again|retry) in (\d+):(\d\d):(\d\d)", re.IGNORECASE)
_SPACE_GPU_LIMIT = re.compile(r"reached its GPU limit", re.IGNORECASE)
_NO_GPU = re.compile(r"No GPU was available", re.IGNORECASE)
_GPU_ABORTED = re.compile(r"GPU task aborted", re.IGNORECASE)
_GENERIC = re.compile(r"has not enabled verbose error reporting", re.IGNORECASE)
# Gradio's own slider check. Every number was checked against the live bounds before the
# call, so this means the Space changed them since its API was read.
_OUT_OF_RANGE = re.compile(r"^Value \S+ is (greater|less) than (maximum|minimum) value")


def strip_html_tail(text: str) -> str:
    """Drop the `<a ...>Create a free account</a>` tail some quota messages end with."""
    return text.split(" <a ", 1)[0].strip()


def parse_wait(text: str) -> timedelta | None:
    match = _QUOTA_WAIT.search(text)
    if not match:
        return None
    hours, minutes, seconds = (int(part) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def format_wait(wait: timedelta, units: tuple[str, str, str] = ("h", "min", "s")) -> str:
    """A wait, rounded down to minutes; `units` name hours, minutes and seconds."""
    total = int(wait.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours} {units[0]} {minutes:02d} {units[1]}"
    if minutes:
        return f"{minutes} {units[1]}"
    return f"{total} {units[2]}"


def from_app_error(message: str, title: str | None) -> ResponseError:
    """Turn the text of an upstream `AppError` into the error a person should see."""
    text = strip_html_tail(message or "")[:500]  # an upstream's text, kept readable
    if _QUOTA.search(text):
        wait = parse_wait(text)
        when = f" Try again in about {format_wait(wait)}" if wait else " Try again later"
        return QuotaExceededError(
            f"your free GPU quota on this Space is used up.{when}, sign in with Hugging Face "
            "for more quota, or pick another model.",
            upstream_message=text,
            wait=wait,
        )
    if _SPACE_GPU_LIMIT.search(text):
        return QuotaExceededError(
            "the Space has reached its GPU limit for anonymous use. Sign in with Hugging Face "
            "so your own quota is used, or pick another model.",
            upstream_message=text,
        )
    if _GPU_ABORTED.search(text):
        return SpaceUnavailableError(
            "the Space's GPU task was aborted. Try again in a minute, or pick another model."
        )
    if _NO_GPU.search(text):
        # Not the upstream's text: it advises about its own page ("outside of examples").
        return SpaceUnavailableError(
            "no GPU was free on the Space. Try again in a minute, or pick another model."
        )
    if _OUT_OF_RANGE.search(text):
        return SpaceChangedError(f"the Space has changed its bounds since it was read ({text})")
    if _GENERIC.search(text):
        return UpstreamAppError(
            "the Space failed and did not say why. Try again, or pick another model.",
            title=title,
            generic=True,
        )
    if not text:
        return UpstreamAppError("the Space reported an error without saying what.", title=title)
    return UpstreamAppError(f"the Space reported an error: {text}", title=title, upstream_text=text)
