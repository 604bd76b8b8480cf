"""gpt4free's own code (the `g4f` package) takes our providers unchanged, against the emulators.

Each test calls a g4f API the way a g4f user does, with one of our provider classes, and
checks what that user receives. The same provider tests also run where g4f cannot be
imported (the last tests here).
"""

from __future__ import annotations

import asyncio
import base64
import importlib.metadata
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import providers
from providers import (
    BlackForestLabs_Flux1Dev,
    ImagePreview,
    ImageResponse,
    ModelNotFoundError,
    QuotaExceededError,
    StabilityAI_SD35Large,
)

pytest.importorskip("g4f", reason="the g4f extra is not installed")

import g4f
import g4f.cookies
import g4f.debug
import g4f.errors
from g4f import ChatCompletion
from g4f.client import AsyncClient, Client
from g4f.Provider.hf_space import HuggingSpace
from g4f.Provider.hf_space.StabilityAI_SD35Large import (
    StabilityAI_SD35Large as G4fStabilityAI_SD35Large,
)
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from g4f.providers.response import HiddenResponse, MediaResponse
from g4f.providers.retry_provider import IterListProvider

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = providers.registry.providers()
PROMPT = "a lighthouse on a basalt cliff at dusk"


@pytest.fixture(autouse=True)
def quiet_g4f(tmp_path, monkeypatch):
    """g4f as a user has it, minus its calls home: no PyPI version check, files in tmp."""
    monkeypatch.setattr(g4f.debug, "version_check", False)
    monkeypatch.setattr(g4f.cookies.CookiesConfig, "cookies_dir", str(tmp_path / "g4f"))


def image_of(b64: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image


# --- what g4f sees: its own classes ------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_every_provider_is_a_g4f_provider(provider):
    assert issubclass(provider, AsyncGeneratorProvider)
    assert issubclass(provider, ProviderModelMixin)
    assert provider.supports_stream and provider.working
    assert provider.get_dict() == {
        "name": provider.__name__,
        "url": provider.url,
        "label": provider.label,
    }
    # g4f's default-model spelling, and its parameter listing from our signature.
    assert provider.get_model("auto") == provider.default_model
    assert "prompt" in provider.get_parameters()


def test_responses_and_errors_are_g4f_types():
    assert issubclass(ImageResponse, g4f.providers.response.ImageResponse)
    assert issubclass(ImagePreview, g4f.providers.response.ImagePreview)
    assert issubclass(ImagePreview, HiddenResponse)
    assert issubclass(QuotaExceededError, g4f.errors.RateLimitError)
    assert issubclass(providers.ResponseError, g4f.errors.ResponseError)
    assert issubclass(ModelNotFoundError, g4f.errors.ModelNotFoundError)


# --- g4f's image API ---------------------------------------------------------------------------


def test_async_client_image_provider_gives_the_spaces_url(spaces):
    emulator = spaces(StabilityAI_SD35Large)
    client = AsyncClient(image_provider=StabilityAI_SD35Large)
    result = asyncio.run(
        client.images.generate(prompt=PROMPT, model="sd-3.5", response_format="url")
    )
    (image,) = result.data
    assert image.url.startswith(emulator.url.rstrip("/") + "/gradio_api/file=")
    assert image.revised_prompt == PROMPT
    assert emulator.controls.jobs[-1].arguments["prompt"] == PROMPT


def test_async_client_b64_json_gives_the_snapped_size(spaces):
    # g4f's table says 1024x682 for 3:2, which SD 3.5 refuses; ours sends 1024x672.
    emulator = spaces(StabilityAI_SD35Large)
    client = AsyncClient()
    result = asyncio.run(
        client.images.generate(
            prompt=PROMPT,
            model="sd-3.5",
            provider=StabilityAI_SD35Large,
            response_format="b64_json",
            aspect_ratio="3:2",
        )
    )
    (image,) = result.data
    assert image_of(image.b64_json).size == (1024, 672)
    job = emulator.controls.jobs[-1].arguments
    assert (job["width"], job["height"]) == (1024, 672)


@pytest.mark.parametrize("response_format", ["url", "b64_json"])
def test_sync_client_images(spaces, response_format):
    emulator = spaces(StabilityAI_SD35Large)
    client = Client(image_provider=StabilityAI_SD35Large)
    result = client.images.generate(
        prompt=PROMPT, model="sd-3.5-large", response_format=response_format
    )
    (image,) = result.data
    if response_format == "url":
        assert image.url.startswith(emulator.url.rstrip("/"))
    else:
        assert image_of(image.b64_json).size == (1024, 1024)


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_every_space_makes_an_image_through_g4f(spaces, provider):
    # FLUX.1 [dev] streams previews: g4f keeps only the final image, as with its own class.
    emulator = spaces(provider)
    result = asyncio.run(
        AsyncClient(image_provider=provider).images.generate(
            prompt=PROMPT, model="auto", response_format="b64_json", width=640, height=512
        )
    )
    (image,) = result.data
    job = emulator.controls.jobs[-1].arguments
    if provider.spec.takes_size:
        assert image_of(image.b64_json).size == (640, 512)
        assert (job["width"], job["height"]) == (640, 512)
    else:  # the Space picks the size, for the ratio nearest to 640:512 that it offers
        assert job["aspect_ratio"] == provider.planned_ratio(None, 640, 512)
        assert image_of(image.b64_json).size == provider.planned_size(None, 640, 512)


def test_a_retry_list_moves_past_a_quota_failure(spaces):
    exhausted = spaces(StabilityAI_SD35Large)
    exhausted.controls.inject("quota")
    working = spaces(BlackForestLabs_Flux1Dev)
    retry = IterListProvider([StabilityAI_SD35Large, BlackForestLabs_Flux1Dev], shuffle=False)
    result = asyncio.run(
        AsyncClient(image_provider=retry).images.generate(
            prompt=PROMPT, model="", response_format="url"
        )
    )
    (image,) = result.data
    assert image.url.startswith(working.url.rstrip("/"))
    assert result.provider == "BlackForestLabs_Flux1Dev"
    assert len(exhausted.controls.jobs) == 1


def test_a_quota_failure_is_caught_as_g4f_response_error(spaces):
    spaces(StabilityAI_SD35Large).controls.inject("quota")
    client = AsyncClient(image_provider=StabilityAI_SD35Large)
    with pytest.raises(g4f.errors.ResponseError) as caught:
        asyncio.run(client.images.generate(prompt=PROMPT, model="sd-3.5"))
    error = caught.value
    assert isinstance(error, g4f.errors.RateLimitError)
    assert isinstance(error, QuotaExceededError)  # ours still tells quota from crash
    assert "23 h 41 min" in str(error)


def test_an_unknown_model_is_g4f_model_error_before_any_job(spaces):
    emulator = spaces(StabilityAI_SD35Large)
    client = AsyncClient(image_provider=StabilityAI_SD35Large)
    with pytest.raises(g4f.errors.ModelNotFoundError, match=r"sd-3\.5-large"):
        asyncio.run(client.images.generate(prompt=PROMPT, model="dall-e-3"))
    assert emulator.controls.jobs == []


# --- g4f's chat API: an image answer is markdown -------------------------------------------------


def markdown_url(text: str) -> str:
    """The image URL of a `[![alt](url)](url)` answer, checking its shape."""
    assert text.startswith("[![") and text.endswith(")"), text
    link = text.rsplit("](", 1)[1][:-1]
    assert f"({link})]({link})" in text
    return link


def test_chat_completion_create_answers_markdown(spaces):
    emulator = spaces(StabilityAI_SD35Large)
    answer = ChatCompletion.create(
        model="sd-3.5",
        messages=[{"role": "user", "content": PROMPT}],
        provider=StabilityAI_SD35Large,
    )
    assert answer.startswith(f"[![{PROMPT}](")
    assert markdown_url(answer).startswith(emulator.url.rstrip("/"))


def test_chat_completion_stream_hides_previews(spaces):
    emulator = spaces(BlackForestLabs_Flux1Dev)
    chunks = list(
        ChatCompletion.create(
            model="flux-dev",
            messages=[{"role": "user", "content": PROMPT}],
            provider=BlackForestLabs_Flux1Dev,
            stream=True,
            num_inference_steps=3,
        )
    )
    previews = [chunk for chunk in chunks if isinstance(chunk, ImagePreview)]
    assert len(previews) == 3 and all(str(chunk) == "" for chunk in previews)
    text = "".join(str(chunk) for chunk in chunks)
    assert markdown_url(text).startswith(emulator.url.rstrip("/"))
    assert text.count("![") == 1


def test_chat_completion_create_async(spaces):
    spaces(StabilityAI_SD35Large)

    async def both():
        joined = await ChatCompletion.create_async(
            model="", messages=[{"role": "user", "content": PROMPT}], provider=StabilityAI_SD35Large
        )
        streamed = [
            chunk
            async for chunk in ChatCompletion.create_async(
                model="auto",
                messages=[{"role": "user", "content": PROMPT}],
                provider=StabilityAI_SD35Large,
                stream=True,
            )
        ]
        return joined, streamed

    joined, streamed = asyncio.run(both())
    markdown_url(joined)
    (final,) = [chunk for chunk in streamed if isinstance(chunk, MediaResponse)]
    assert isinstance(final, ImageResponse) and str(final).startswith(f"[![{PROMPT}](")


def test_async_client_chat_completions(spaces):
    emulator = spaces(StabilityAI_SD35Large)
    client = AsyncClient(provider=StabilityAI_SD35Large)
    completion = asyncio.run(
        client.chat.completions.create(
            model="sd-3.5", messages=[{"role": "user", "content": PROMPT}]
        )
    )
    content = str(completion.choices[0].message.content)
    assert markdown_url(content).startswith(emulator.url.rstrip("/"))
    assert completion.provider == "StabilityAI_SD35Large"


# --- g4f's HuggingSpace aggregator ---------------------------------------------------------------


def test_huggingspace_lists_and_runs_our_providers(spaces, monkeypatch):
    emulator = spaces(StabilityAI_SD35Large)
    monkeypatch.setattr(HuggingSpace, "providers", list(PROVIDERS))
    monkeypatch.setattr(HuggingSpace, "models", [])
    monkeypatch.setattr(HuggingSpace, "model_aliases", {})
    models = HuggingSpace.get_models()
    for provider in PROVIDERS:
        assert set(provider.model_aliases) <= set(models)
    assert "sd-3.5-large" in models and "sd-3.5-large" in HuggingSpace.image_models

    async def run():
        return [
            item
            async for item in HuggingSpace.create_async_generator(
                "sd-3.5-large", [{"role": "user", "content": PROMPT}]
            )
        ]

    (final,) = asyncio.run(run())
    assert isinstance(final, ImageResponse)
    assert final.get_list() == [final.url] and final.url.startswith(emulator.url.rstrip("/"))
    assert Image.open(final.path).size == (1024, 1024)  # and the checked local copy


# --- g4f's own provider, for comparison -----------------------------------------------------------


def test_g4fs_own_sd35_works_against_the_emulator(spaces, monkeypatch):
    # The benchmark compares it with ours: the emulator must serve it as the Space does.
    emulator = spaces(StabilityAI_SD35Large)
    monkeypatch.setattr(G4fStabilityAI_SD35Large, "url", emulator.url.rstrip("/"))
    result = asyncio.run(
        AsyncClient(image_provider=G4fStabilityAI_SD35Large).images.generate(
            prompt=PROMPT, model="sd-3.5-large", response_format="b64_json"
        )
    )
    assert image_of(result.data[0].b64_json).size == (1024, 1024)


# --- without g4f ---------------------------------------------------------------------------------

# Runs a script as if g4f were not installed: its import fails, as on a machine without it.
_WITHOUT_G4F = """
import importlib.abc, sys

class HideG4f(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "g4f" or name.startswith("g4f."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, HideG4f())
"""

_PLAIN_CLASSES = """
import sys
import providers
assert "g4f" not in sys.modules
assert providers.gpt4free.AVAILABLE is False
ours = {providers.ImageResponse, providers.ImagePreview, providers.ProgressUpdate,
        providers.SpaceProvider, providers.ResponseError, providers.QuotaExceededError}
outside = {base.__module__ for cls in ours for base in cls.__mro__} - {"builtins"}
assert all(module.startswith("providers.") for module in outside), outside
print("plain")
"""


def run_without_g4f(code: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SPACE_URLS", None)
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_G4F + code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_without_g4f_the_classes_are_our_own():
    result = run_without_g4f(_PLAIN_CLASSES, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "plain"


# The provider tests, again where g4f cannot be imported: they are what a user of our API
# without g4f relies on (models, sizes, errors, every Space through gradio_client).
WITHOUT_G4F_TESTS = ["tests/test_models.py", "tests/test_sizes.py", "tests/test_providers.py"]


@pytest.mark.timeout(600)  # three test files over the whole registry, in a subprocess
def test_the_provider_tests_pass_without_g4f():
    run_pytest = (
        "import pytest\n"
        "sys.exit(pytest.main(['-q', '-x', '-p', 'no:cacheprovider', *sys.argv[1:]]))"
    )
    result = run_without_g4f(run_pytest, *WITHOUT_G4F_TESTS, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


def test_the_g4f_extra_pins_the_tested_release():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"g4f=={importlib.metadata.version("g4f")}"' in pyproject


def readme_snippet(heading: str) -> str:
    section = (ROOT / "README.md").read_text().split(f"## {heading}\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_snippet_works_as_written(space_urls, fresh, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(readme_snippet("Using the providers from gpt4free"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SPACE_URLS": space_urls,
        "HOME": str(tmp_path),  # whatever g4f keeps, it keeps there
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "network_guard.py"), str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "NETWORK-GUARD" not in result.stderr
    url, retried = result.stdout.strip().splitlines()
    sd35 = next(e for e in fresh.values() if e.kind == "sd35-large")
    assert url.startswith(sd35.url.rstrip("/") + "/gradio_api/file=")
    assert (
        sd35.controls.jobs[-1].arguments["width"],
        sd35.controls.jobs[-1].arguments["height"],
    ) == (1024, 672)
    provider, size = retried.split()
    assert provider == "BlackForestLabs_Flux1Schnell" and int(size) > 1000
