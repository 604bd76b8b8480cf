"""Upstream failures read into the errors a person sees.

The wordings are those of shared/upstream-spaces.md.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from providers import StabilityAI_SD35Large, Timeouts, base
from providers.errors import (
    BadRequestError,
    MalformedOutputError,
    ModelNotFoundError,
    QuotaExceededError,
    ResponseError,
    SpaceUnavailableError,
    UpstreamAppError,
    UpstreamTimeoutError,
    from_app_error,
)

ZEROGPU_QUOTA = (
    "You have exceeded your ZeroGPU quota (65s requested vs. 12s left). Try again in 23:41:07."
)
API_SUFFIX = (
    " Authenticate with a Hugging Face token for more quota - "
    "https://huggingface.co/settings/tokens"
)
OLD_GPU_QUOTA = (
    "You have exceeded your GPU quota (46s left vs. 60s requested). "
    "Sign-up on Hugging Face to get more quota or retry in 0:09:48."
)
HTML_QUOTA_TEXT = "You have exceeded your GPU quota (60s requested vs. 12s left)."
HTML_QUOTA = (
    HTML_QUOTA_TEXT + ' <a style="white-space: nowrap;text-underline-offset: 2px;" '
    'href="https://huggingface.co/join">Create a free account</a> to get more usage quota.'
)
RUNS_LIMIT = "You have exceeded your ZeroGPU runs limit."
SPACE_GPU_LIMIT = "Space app has reached its GPU limit."
GENERIC = (
    "The upstream Gradio app has raised an exception but has not enabled verbose error "
    "reporting. To enable, set show_error=True in launch()."
)


def _advises_sign_in_and_other_model(message: str) -> None:
    lowered = message.lower()
    assert "sign in" in lowered
    assert "another model" in lowered


@pytest.mark.parametrize(
    ("text", "wait", "when"),
    [
        (ZEROGPU_QUOTA, timedelta(hours=23, minutes=41, seconds=7), r"23 h 41 min"),
        (ZEROGPU_QUOTA + API_SUFFIX, timedelta(hours=23, minutes=41, seconds=7), r"23 h 41 min"),
        # "about" 9 min 48 s: either rounding is an honest answer.
        (OLD_GPU_QUOTA, timedelta(minutes=9, seconds=48), r"\b(9|10) min"),
    ],
    ids=["zerogpu", "zerogpu-api-suffix", "old-gpu-quota"],
)
def test_quota_with_a_wait_says_when_to_retry(text, wait, when):
    error = from_app_error(text, "ZeroGPU quota exceeded")
    assert isinstance(error, QuotaExceededError)
    assert error.wait == wait
    assert re.search(when, error.message), error.message
    assert error.upstream_message == text
    assert error.fallback_ok
    _advises_sign_in_and_other_model(error.message)


@pytest.mark.parametrize("text", [HTML_QUOTA, RUNS_LIMIT], ids=["html-tail", "runs-limit"])
def test_quota_without_a_wait_says_later(text):
    error = from_app_error(text, "ZeroGPU quota exceeded")
    assert isinstance(error, QuotaExceededError)
    assert error.wait is None
    assert "later" in error.message.lower()
    _advises_sign_in_and_other_model(error.message)


def test_quota_html_tail_is_cut_from_the_upstream_text():
    error = from_app_error(HTML_QUOTA, "ZeroGPU quota exceeded")
    assert error.upstream_message == HTML_QUOTA_TEXT
    for markup in ("<a", "href", "</a>", "Create a free account"):
        assert markup not in error.upstream_message
        assert markup not in error.message


def test_space_gpu_limit_advises_signing_in():
    error = from_app_error(SPACE_GPU_LIMIT, None)
    assert isinstance(error, QuotaExceededError)
    assert error.upstream_message == SPACE_GPU_LIMIT
    assert error.fallback_ok
    _advises_sign_in_and_other_model(error.message)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("No GPU was available after 60s. Try re-running outside of examples", "no GPU was free"),
        ("GPU task aborted", "GPU task was aborted"),
    ],
)
def test_no_gpu_means_the_space_is_unavailable(text, says):
    error = from_app_error(text, None)
    assert isinstance(error, SpaceUnavailableError)
    assert not isinstance(error, QuotaExceededError)
    assert error.fallback_ok
    assert says in error.message
    assert "examples" not in error.message  # the upstream's advice about its own page


def test_generic_gradio_error_is_not_presented_as_the_reason():
    error = from_app_error(GENERIC, "Error")
    assert type(error) is UpstreamAppError
    assert error.generic is True
    assert error.title == "Error"
    assert "verbose error reporting" not in error.message
    assert "show_error" not in error.message
    assert "another model" in error.message


@pytest.mark.parametrize(
    "text",
    ["CUDA out of memory. Tried to allocate 2.00 GiB", "Prompt contains banned words"],
)
def test_any_other_text_is_an_app_error_carrying_the_text(text):
    error = from_app_error(text, "Error")
    assert type(error) is UpstreamAppError
    assert error.generic is False
    assert error.title == "Error"
    assert text in error.message
    assert not error.fallback_ok


def test_naming_prefixes_the_label_and_keeps_the_details():
    error = from_app_error(ZEROGPU_QUOTA, None)
    message, wait, upstream = error.message, error.wait, error.upstream_message
    named = error.naming("StabilityAI SD-3.5-Large")
    assert isinstance(named, QuotaExceededError)
    assert named.message == f"StabilityAI SD-3.5-Large: {message}"
    assert str(named) == named.message
    assert named.provider == "StabilityAI SD-3.5-Large"
    assert (named.wait, named.upstream_message) == (wait, upstream)
    # Naming twice does not double the prefix.
    assert named.naming("StabilityAI SD-3.5-Large").message == named.message


ERRORS = {
    "ResponseError": lambda: ResponseError("it failed"),
    "BadRequestError": lambda: BadRequestError("width is wrong", field="width"),
    "ModelNotFoundError": lambda: ModelNotFoundError("sdxl", ["flux-schnell"]),
    "QuotaExceededError": lambda: QuotaExceededError(
        "quota used up", upstream_message="upstream", wait=timedelta(1)
    ),
    "SpaceUnavailableError": lambda: SpaceUnavailableError("asleep"),
    "UpstreamTimeoutError": lambda: UpstreamTimeoutError("too slow"),
    "UpstreamAppError": lambda: UpstreamAppError("it broke", title="Error", generic=True),
    "MalformedOutputError": lambda: MalformedOutputError("no image"),
}


@pytest.mark.parametrize("make", ERRORS.values(), ids=ERRORS.keys())
def test_every_error_can_be_named(make):
    """The providers name every error they re-raise: naming must work for each class."""
    error = make()
    message = error.message
    details = {k: v for k, v in vars(error).items() if k not in ("message", "provider")}
    named = error.naming("Label")
    assert type(named) is type(error)
    # The message, then what helps when it does not say so already.
    assert named.message.startswith(f"Label: {message.rstrip('.')}")
    assert "another model" in named.message or not type(error).advice
    assert str(named) == named.message
    assert named.provider == "Label"
    assert {k: getattr(named, k) for k in details} == details


def test_a_quota_error_from_the_space_reaches_the_caller_named(monkeypatch):
    """What a caller of the seed API meets when the Space refuses for quota (no network:
    the Client and the job are stand-ins that fail the way gradio_space reports it)."""

    class Clients:
        timeouts = Timeouts()

        def get(self, url, proxy=None):
            return object()

        def forget(self, url, proxy=None):
            pass

    async def refused(*args, **kwargs):
        raise from_app_error(ZEROGPU_QUOTA, "ZeroGPU quota exceeded")
        yield  # an async generator, like run_job

    monkeypatch.setattr(base.RUNTIME, "clients", Clients())
    monkeypatch.setattr(base, "run_job", refused)

    async def consume():
        async for _ in StabilityAI_SD35Large.create_async_generator("sd-3.5", ["a cat"]):
            pass

    with pytest.raises(QuotaExceededError) as caught:
        asyncio.run(consume())
    assert caught.value.message.startswith(f"{StabilityAI_SD35Large.display_name}: ")
    assert caught.value.wait == timedelta(hours=23, minutes=41, seconds=7)


def test_error_classes_keep_the_seed_contract():
    # The seed: a parsing failure raises RuntimeError; API errors are ResponseError.
    malformed = MalformedOutputError("no image in the output")
    assert isinstance(malformed, RuntimeError)
    assert isinstance(malformed, ResponseError)
    with pytest.raises(RuntimeError):
        raise malformed
    assert issubclass(UpstreamTimeoutError, TimeoutError)
    assert issubclass(UpstreamTimeoutError, ResponseError)
    assert issubclass(BadRequestError, ValueError)


def test_model_not_found_lists_the_valid_names():
    error = ModelNotFoundError("sdxl", ["flux-schnell", "sd-3.5"])
    assert isinstance(error, BadRequestError)
    assert error.field == "model"
    assert "'sdxl'" in error.message
    assert "flux-schnell" in error.message
    assert "sd-3.5" in error.message
