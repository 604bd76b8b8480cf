"""The seed classes' attributes and signatures, model names, the registry, and a quiet import."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import providers
import providers.spaces
from providers import (
    BlackForestLabs_Flux1Dev,
    BlackForestLabs_Flux1Schnell,
    Registry,
    StabilityAI_SD35Large,
    StabilityAI_SD35LargeTurbo,
    Voodoohop_Flux1Schnell,
)
from providers.base import SpaceProvider
from providers.errors import BadRequestError, ModelNotFoundError

ROOT = Path(__file__).resolve().parents[1]
SD35_MODEL = "stabilityai-stable-diffusion-3.5-large"
SD35_MODEL_DASHED = "stabilityai-stable-diffusion-3-5-large"  # the other seed's spelling
EMPTY = inspect.Parameter.empty
KEYWORD = inspect.Parameter.VAR_KEYWORD
PROVIDERS = providers.registry.providers()
DECLARED = [
    value
    for value in vars(providers.spaces).values()
    if isinstance(value, type) and issubclass(value, SpaceProvider) and "spec" in vars(value)
]


def by_name(provider):
    return provider.__name__


# --- the seed attributes -------------------------------------------------------------------


def test_sd35_large_keeps_the_seed_attributes():
    cls = StabilityAI_SD35Large
    assert cls.label == "StabilityAI SD-3.5-Large"
    assert cls.url == "https://stabilityai-stable-diffusion-3-5-large.hf.space"
    assert cls.api_endpoint == "/gradio_api/call/infer"
    assert cls.working is True
    assert cls.default_model == SD35_MODEL
    assert cls.default_image_model == cls.default_model
    # {"sd-3.5": default_model}; later g4f releases call it "sd-3.5-large" (seeds README).
    assert cls.model_aliases["sd-3.5"] == cls.default_model
    assert set(cls.model_aliases) <= {"sd-3.5", "sd-3.5-large"}
    assert set(cls.model_aliases.values()) == {cls.default_model}
    assert cls.image_models == list(cls.model_aliases)
    assert cls.models == cls.image_models


def test_voodoohop_keeps_the_seed_attributes():
    cls = Voodoohop_Flux1Schnell
    # The values of gpt4free's Voodoohop_Flux1Schnell, which the seed describes: it posts to
    # `api_endpoint` and reads `{api_endpoint}/{event_id}`, so the endpoint is a full URL.
    assert cls.label == "Voodoohop Flux-1-Schnell"
    assert cls.url == "https://voodoohop-flux-1-schnell.hf.space"
    assert cls.api_endpoint == "https://voodoohop-flux-1-schnell.hf.space/call/infer"
    assert cls.working is True
    assert cls.default_model == "voodoohop-flux-1-schnell"  # the seed's example model
    assert cls.default_image_model == cls.default_model
    assert cls.model_aliases == {"flux-schnell": cls.default_model, "flux": cls.default_model}
    assert cls.image_models == list(cls.model_aliases)
    assert cls.models == cls.image_models


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_every_provider_has_the_seed_attribute_set(provider):
    assert provider.label and provider.url.startswith("https://")
    assert provider.working is True
    assert provider.default_image_model == provider.default_model
    assert provider.image_models == list(provider.model_aliases)
    assert provider.models == provider.image_models
    assert set(provider.model_aliases.values()) == {provider.default_model}


# --- the seed signatures -------------------------------------------------------------------

SD35_SIGNATURE = [
    ("model", EMPTY),
    ("messages", EMPTY),
    ("prompt", None),
    ("negative_prompt", None),
    ("api_key", None),
    ("proxy", None),
    ("aspect_ratio", "1:1"),
    ("width", None),
    ("height", None),
    ("guidance_scale", 4.5),
    ("num_inference_steps", 50),
    ("seed", 0),
    ("randomize_seed", True),
    ("kwargs", EMPTY),
]
VOODOOHOP_SIGNATURE = [
    ("model", EMPTY),
    ("messages", EMPTY),
    ("proxy", None),
    ("prompt", None),
    ("width", 768),
    ("height", 768),
    ("num_inference_steps", 2),
    ("seed", 0),
    ("randomize_seed", True),
    ("kwargs", EMPTY),
]


@pytest.mark.parametrize(
    ("provider", "expected"),
    [(StabilityAI_SD35Large, SD35_SIGNATURE), (Voodoohop_Flux1Schnell, VOODOOHOP_SIGNATURE)],
    ids=["StabilityAI_SD35Large", "Voodoohop_Flux1Schnell"],
)
def test_create_async_generator_keeps_the_seed_signature(provider, expected):
    method = provider.create_async_generator
    assert inspect.isasyncgenfunction(method)
    parameters = list(inspect.signature(method).parameters.values())  # bound: no `cls`
    assert [(p.name, p.default) for p in parameters] == expected
    assert parameters[-1].kind is KEYWORD
    # The seeds call it by keyword and positionally (model, messages).
    inspect.signature(method).bind("m", ["a cat"], proxy=None, seed=1, stream=True)


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_the_seed_call_returns_an_async_generator_without_touching_the_network(provider):
    # The seed example: an instance, then create_async_generator(model=..., messages=...).
    generator = provider().create_async_generator(model=provider.default_model, messages=["x"])
    assert inspect.isasyncgen(generator)
    asyncio.run(generator.aclose())  # never started: nothing was sent


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_a_bad_request_fails_before_anything_is_sent(provider):
    async def first_item():
        async for item in provider.create_async_generator(provider.default_model, ["   "]):
            return item

    with pytest.raises(BadRequestError) as caught:
        asyncio.run(first_item())
    assert caught.value.field == "prompt"


# --- model names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["", None, "sd-3.5", "sd-3.5-large", SD35_MODEL, SD35_MODEL_DASHED]
)
def test_sd35_accepts_both_seed_spellings_and_aliases(name):
    assert StabilityAI_SD35Large.get_model(name) == SD35_MODEL


@pytest.mark.parametrize("name", ["", None, "flux", "flux-schnell", "voodoohop-flux-1-schnell"])
def test_voodoohop_model_names(name):
    assert Voodoohop_Flux1Schnell.get_model(name) == "voodoohop-flux-1-schnell"


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_every_alias_and_the_default_resolve(provider):
    assert provider.get_model("") == provider.default_model
    assert provider.get_model("auto") == provider.default_model  # gpt4free's word for it
    assert provider.get_model(provider.default_model) == provider.default_model
    for alias in provider.model_aliases:
        assert provider.get_model(alias) == provider.default_model


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_an_unknown_model_lists_the_valid_names(provider):
    with pytest.raises(ModelNotFoundError) as caught:
        provider.get_model("dall-e-3")
    error = caught.value
    assert error.field == "model"
    assert "dall-e-3" in error.message
    assert provider.default_model in error.message
    for alias in provider.model_aliases:
        assert alias in error.message


def test_sd35_turbo_is_not_sd35_large():
    with pytest.raises(ModelNotFoundError):
        StabilityAI_SD35Large.get_model("sd-3.5-turbo")
    assert StabilityAI_SD35LargeTurbo.get_model("sd-3.5-turbo") != SD35_MODEL


# --- the package's names -------------------------------------------------------------------


def test_every_declared_space_is_registered():
    assert len(DECLARED) >= 5
    assert set(DECLARED) == set(PROVIDERS)


@pytest.mark.parametrize("provider", DECLARED, ids=by_name)
def test_every_provider_imports_from_the_package(provider):
    namespace: dict = {}
    exec(f"from providers import {provider.__name__}", namespace)
    assert namespace[provider.__name__] is provider
    assert provider.__name__ in providers.__all__


# --- the registry --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("flux-schnell", BlackForestLabs_Flux1Schnell),
        ("flux", BlackForestLabs_Flux1Schnell),
        ("FLUX", BlackForestLabs_Flux1Schnell),
        ("black-forest-labs-flux-1-schnell", BlackForestLabs_Flux1Schnell),
        ("BlackForestLabs_Flux1Schnell", BlackForestLabs_Flux1Schnell),
        ("blackforestlabs_flux1dev", BlackForestLabs_Flux1Dev),
        ("  Flux-Dev ", BlackForestLabs_Flux1Dev),
        ("sd-3.5", StabilityAI_SD35Large),
        ("SD-3.5-Large", StabilityAI_SD35Large),
        (SD35_MODEL, StabilityAI_SD35Large),
        (SD35_MODEL_DASHED, StabilityAI_SD35Large),  # the first seed's own example model
        ("StabilityAI_SD35Large", StabilityAI_SD35Large),
        ("sd-3.5-turbo", StabilityAI_SD35LargeTurbo),
        ("voodoohop-flux-1-schnell", Voodoohop_Flux1Schnell),
        ("Voodoohop_Flux1Schnell", Voodoohop_Flux1Schnell),
    ],
)
def test_registry_lookup(name, expected):
    assert providers.registry.get(name) is expected


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_registry_finds_each_provider_by_every_key(provider):
    registry = providers.registry
    name = registry.name_of(provider)
    for key in (name, provider.__name__, provider.default_model):
        assert registry.get(key) is provider
        assert registry.get(key.upper()) is provider


@pytest.mark.parametrize("name", ["", None, "auto", " Auto "])
def test_registry_default_is_the_first_registered(name):
    assert providers.registry.get(name) is PROVIDERS[0]


def test_registry_unknown_name_lists_the_valid_models():
    with pytest.raises(ModelNotFoundError) as caught:
        providers.registry.get("midjourney")
    error = caught.value
    assert "midjourney" in error.message
    for entry in providers.registry.entries():
        assert entry.name in error.message


def test_registry_refuses_a_duplicate_at_registration():
    registry = Registry()
    registry.register("flux-schnell", BlackForestLabs_Flux1Schnell, aliases=("flux",))
    with pytest.raises(ValueError, match=r"(?i)flux") as caught:
        registry.register("voodoo", Voodoohop_Flux1Schnell, aliases=("FLUX",))
    assert "BlackForestLabs_Flux1Schnell" in str(caught.value)
    assert "Voodoohop_Flux1Schnell" in str(caught.value)
    # Nothing of the refused registration is left behind.
    with pytest.raises(ModelNotFoundError):
        registry.get("voodoo")
    assert registry.providers() == [BlackForestLabs_Flux1Schnell]
    # A name, a class name or a default model id claimed twice is refused just the same.
    with pytest.raises(ValueError):
        registry.register("flux-schnell", BlackForestLabs_Flux1Dev)
    with pytest.raises(ValueError):
        registry.register("another-name", BlackForestLabs_Flux1Schnell)


def test_registry_groups_providers_of_one_model():
    registry = providers.registry
    assert registry.alternatives(BlackForestLabs_Flux1Schnell) == [Voodoohop_Flux1Schnell]
    assert registry.alternatives(Voodoohop_Flux1Schnell) == [BlackForestLabs_Flux1Schnell]
    assert registry.alternatives(StabilityAI_SD35Large) == []
    assert registry.alternatives(BlackForestLabs_Flux1Dev) == []


# --- SPACE_URLS ----------------------------------------------------------------------------


@pytest.fixture
def fresh_registry(monkeypatch):
    """A registry of the real classes, with their urls restored after the test."""
    registry = Registry()
    for provider in PROVIDERS:
        monkeypatch.setattr(provider, "url", provider.url)
        registry.register(providers.registry.name_of(provider), provider)
    return registry


def test_space_urls_point_providers_at_other_addresses(fresh_registry):
    before = StabilityAI_SD35Large.url
    fresh_registry.apply_space_urls(
        " BlackForestLabs_Flux1Schnell = http://127.0.0.1:7861/ ,"
        "Voodoohop_Flux1Schnell=https://mirror.example/voodoo,"
    )
    assert BlackForestLabs_Flux1Schnell.url == "http://127.0.0.1:7861"
    assert Voodoohop_Flux1Schnell.url == "https://mirror.example/voodoo"
    assert StabilityAI_SD35Large.url == before


@pytest.mark.parametrize("setting", [None, "", " , "])
def test_no_space_urls_changes_nothing(fresh_registry, setting):
    before = [p.url for p in PROVIDERS]
    fresh_registry.apply_space_urls(setting)
    assert [p.url for p in PROVIDERS] == before


@pytest.mark.parametrize(
    "setting",
    [
        "BlackForestLabs_Flux1Schnell",
        "BlackForestLabs_Flux1Schnell:http://127.0.0.1:7861",
        "NoSuchProvider=http://127.0.0.1:7861",
        "=http://127.0.0.1:7861",
        "BlackForestLabs_Flux1Schnell=",
        "BlackForestLabs_Flux1Schnell=127.0.0.1:7861",
        "BlackForestLabs_Flux1Schnell=ftp://127.0.0.1",
    ],
)
def test_malformed_space_urls_are_refused_listing_class_names(fresh_registry, setting):
    with pytest.raises(ValueError) as caught:
        fresh_registry.apply_space_urls(setting)
    for provider in PROVIDERS:
        assert provider.__name__ in str(caught.value)


# --- importing is quiet --------------------------------------------------------------------

_NO_NETWORK = """
import socket, sys

def refuse(*args, **kwargs):
    raise AssertionError(f"network call: {args!r}")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import providers

assert "gradio" not in sys.modules, sorted(m for m in sys.modules if m.startswith("gradio."))
for provider in providers.registry.providers():
    provider.get_models()
    provider.get_model(None)
    providers.registry.get(provider.__name__)
print("quiet")
"""


def test_importing_providers_imports_no_ui_and_makes_no_network_call():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SPACE_URLS", None)
    result = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "quiet"


def test_the_readme_model_table_matches_the_declarations():
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    assert list(rows) == [entry.name for entry in providers.registry.entries()]
    for name, (_, space_id, _, steps, gpu, previews) in rows.items():
        spec = providers.registry.get(name).spec
        assert (space_id, int(steps), int(gpu)) == (
            spec.space_id,
            spec.steps.default,
            spec.gpu_seconds,
        ), name
        assert bool(previews) == spec.streams_previews, name
