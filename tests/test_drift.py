"""Spaces that change under us: each provider against its emulator after a drift
(tests/emulators/contracts.py DRIFTS), through the real gradio_client.

Parametrized over the registry, so a newly declared Space is tested by being declared: narrowed
bounds still give an image within them; a renamed input, a renamed endpoint or a new required
input is "the Space changed", refused before any job is sent, never the visitor's bad request;
the page's model note says so, and fallback takes over where the family has another Space.
"""

from __future__ import annotations

import asyncio

import pytest
from gradio_client import Client
from PIL import Image

import providers
from canvas import generation, models
from canvas.generation import Request, Visitor
from providers import BadRequestError, ImageResponse, SpaceChangedError
from providers.contract import LiveContracts
from providers.errors import from_app_error
from tests.emulators import DRIFTS, start_emulator
from tests.emulators.contracts import CONTRACTS, NARROWED_SIDE, NARROWED_STEPS
from ui.text import current_model_note, plain

from .helpers import collect, kind_of

PROVIDERS = providers.registry.providers()
WITH_FALLBACK = [p for p in PROVIDERS if providers.registry.alternatives(p)]


def by_name(provider) -> str:
    return provider.__name__


@pytest.fixture(autouse=True)
def fresh_readings(monkeypatch):
    """Each test reads its Spaces anew (a changed Space is otherwise remembered a while)."""
    monkeypatch.setattr(providers.RUNTIME, "contracts", LiveContracts())


@pytest.fixture(scope="module")
def drifted_spaces():
    """Emulators of drifted Spaces, started on first use, by (kind, drift)."""
    running: dict[tuple[str, str], object] = {}
    yield running
    for emulator in running.values():
        emulator.close()


@pytest.fixture
def drifted(drifted_spaces, monkeypatch):
    """`drifted(provider, drift)`: the provider pointed at its Space's emulator after a drift."""

    def start(provider, drift: str):
        key = (kind_of(provider), drift)
        if key not in drifted_spaces:
            drifted_spaces[key] = start_emulator(key[0], drift=drift)
        emulator = drifted_spaces[key]
        emulator.controls.reset()
        monkeypatch.setattr(provider, "url", emulator.url.rstrip("/"))
        return emulator

    return start


def one_per_shape() -> list:
    """A provider for each shape of endpoint (the protocol's check is the same for all)."""
    shapes = {}
    for provider in PROVIDERS:
        shapes.setdefault(CONTRACTS[kind_of(provider)].shape, provider)
    return list(shapes.values())


def queue_joins(emulator) -> int:
    return sum(path.endswith("/queue/join") for _, path in emulator.controls.requests)


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_narrowed_bounds_still_give_an_image_within_them(provider, drifted):
    emulator = drifted(provider, "narrowed")
    for ratio in ("1:1", "16:9", "4:5"):
        # The page's default request: the model's steps, the ratio's size.
        items = collect(provider.generate(model=None, prompt="a fox", aspect_ratio=ratio))
        final = items[-1]
        assert type(final) is ImageResponse
        job = emulator.controls.jobs[-1]
        assert job.status == "completed", job.error
        assert job.arguments["num_inference_steps"] <= NARROWED_STEPS
        with Image.open(final.path) as image:
            assert image.size == (final.width, final.height) == (job.width, job.height)
        if provider.spec.takes_size:
            assert max(final.width, final.height) <= NARROWED_SIDE
        assert provider.planned_size(ratio, None, None) == (final.width, final.height)
    # The page now offers the live range, and a number outside it is refused naming it.
    assert models.controls(providers.registry.name_of(provider)).steps.maximum == NARROWED_STEPS
    jobs = len(emulator.controls.jobs)
    with pytest.raises(BadRequestError, match=rf"between 1 and {NARROWED_STEPS}, not 30"):
        collect(provider.generate(model=None, prompt="a fox", num_inference_steps=30))
    assert len(emulator.controls.jobs) == jobs


CHANGES = [
    *((provider, "renamed_input") for provider in PROVIDERS),
    *((provider, drift) for provider in one_per_shape() for drift in DRIFTS if drift != "narrowed"),
]


@pytest.mark.parametrize(
    ("provider", "drift"),
    list(dict.fromkeys(CHANGES)),
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_a_changed_space_is_said_to_have_changed_and_gets_no_call(provider, drift, drifted):
    emulator = drifted(provider, drift)
    if drift == "renamed_input" and "num_inference_steps" in provider.spec.unconfirmed:
        # Never confirmed, so never sent: the Space runs with its own default steps.
        collect(provider.generate(model=None, prompt="a fox", num_inference_steps=2))
        (job,) = emulator.controls.jobs
        assert job.status == "completed" and job.arguments["num_inference_steps"] != 2
        return
    with pytest.raises(SpaceChangedError) as caught:
        collect(provider.generate(model=None, prompt="a fox"))
    error = caught.value
    assert not isinstance(error, BadRequestError)  # not the visitor's doing
    assert error.fallback_ok
    assert error.message.startswith(f"{provider.display_name}: the Space has changed")
    assert "view API" not in error.message
    assert queue_joins(emulator) == 0 and emulator.controls.jobs == []  # nothing was sent
    # The page shows the model as changed, and the next visitor is not sent there again.
    name = providers.registry.name_of(provider)
    assert "has changed" in (models.controls(name).changed or "")
    note = current_model_note(name)
    assert note.startswith("⚠️ **This Space has changed**")
    for other in providers.registry.alternatives(provider):
        assert plain(other.display_name) in note
    configs = len(emulator.controls.requests)
    with pytest.raises(SpaceChangedError):
        collect(provider.generate(model=None, prompt="another fox"))
    assert len(emulator.controls.requests) == configs


def test_a_renamed_input_is_named_in_the_error(drifted):
    provider = providers.TongyiMAI_ZImageTurbo
    drifted(provider, "renamed_input")
    with pytest.raises(SpaceChangedError, match=r"no longer takes num_inference_steps.*steps"):
        collect(provider.generate(model=None, prompt="a fox"))


@pytest.mark.parametrize("provider", WITH_FALLBACK, ids=by_name)
def test_fallback_takes_over_from_a_changed_space(provider, drifted, spaces, tmp_path):
    drifted(provider, "renamed_endpoint")
    alternative = providers.registry.alternatives(provider)[0]
    backup = spaces(alternative)

    async def run():
        request = Request(prompt="a fox", model=providers.registry.name_of(provider))
        return [
            frame async for frame in generation.generate(request, Visitor(), output_dir=tmp_path)
        ]

    frames = asyncio.run(run())
    assert any("has changed" in f.status and alternative.display_name in f.status for f in frames)
    record = frames[-1].record
    assert record is not None and record.model_label == alternative.display_name
    assert backup.controls.jobs[-1].status == "completed"


def test_every_family_with_two_spaces_is_tested_for_fallback():
    families = {p.family for p in WITH_FALLBACK}
    assert {"flux-schnell", "qwen-image", "z-image-turbo"} <= families


def test_a_bound_the_space_narrowed_after_it_was_read_is_the_space_changing():
    error = from_app_error("Value 1024 is greater than maximum value 768.", "Error")
    assert isinstance(error, SpaceChangedError) and "768" in error.message


def test_an_unconfirmed_input_is_sent_only_once_the_live_api_shows_it(spaces):
    provider = providers.Qwen_QwenImage
    emulator = spaces(provider)
    collect(provider.generate(model=None, prompt="a fox", num_inference_steps=2))
    sent = emulator.controls.jobs[-1].arguments
    assert sent["num_inference_steps"] == 2 and sent["prompt_enhance"] is False
    assert provider.current_spec().unconfirmed == frozenset()


def test_the_declared_facts_stay_the_offline_default():
    # Nothing read yet (fresh readings): the page's controls are the declaration's.
    for provider in PROVIDERS:
        assert provider.current_spec() is provider.spec
        assert provider.changed() is None
        assert models.controls(providers.registry.name_of(provider)).steps == provider.spec.steps


def test_reading_the_live_contract_asks_the_space_nothing(spaces):
    provider = providers.Multimodalart_QwenImageFast
    emulator = spaces(provider)
    client = Client(provider.url, verbose=False)

    def asked() -> list:  # the Client's own heartbeat stream may start at any moment
        return [r for r in emulator.controls.requests if "/heartbeat/" not in r[1]]

    try:
        before = asked()
        live = providers.RUNTIME.contracts.read(provider.url, provider.spec, client)
        assert asked() == before  # only what building the Client read
    finally:
        client.close()
    assert list(live.size.sizes) == list(provider.spec.size.sizes)
    assert live.steps == provider.spec.steps
