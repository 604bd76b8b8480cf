"""Why a Space cannot take a job, in words that say what helps: this machine is offline, the
Space is asleep, or its queue is full. Each case is real: an address that does not resolve, a
port nothing listens on, an emulator playing the Space's HTTP answers."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

import providers
from providers import OfflineError, SpaceUnavailableError

from .app_server import AppProcess, free_port
from .helpers import collect

PROVIDERS = providers.registry.providers()
# RFC 6761: the .invalid top-level domain never resolves, with or without a network.
UNRESOLVABLE = "https://no-such-space.invalid"
OFFLINE_ADVICE = "Check this machine's internet connection"
LATER_ADVICE = "Try again in a few minutes"


def failure_of(provider) -> SpaceUnavailableError:
    with pytest.raises(SpaceUnavailableError) as caught:
        collect(provider.create_async_generator(provider.default_model, "a fox in snow"))
    return caught.value


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_a_name_that_does_not_resolve_reads_as_this_machine_offline(provider, monkeypatch):
    monkeypatch.setattr(provider, "url", UNRESOLVABLE)
    error = failure_of(provider)
    assert isinstance(error, OfflineError)
    assert "this machine cannot reach no-such-space.invalid" in error.message
    assert "does not resolve" in error.message
    assert OFFLINE_ADVICE in error.message
    assert LATER_ADVICE not in error.message  # the Space is not the problem
    assert not error.fallback_ok  # every other Space is as far away


def test_an_address_that_refuses_reads_as_nothing_answering_there(monkeypatch):
    provider = PROVIDERS[0]
    port = free_port()
    monkeypatch.setattr(provider, "url", f"http://127.0.0.1:{port}")
    error = failure_of(provider)
    assert not isinstance(error, OfflineError)
    assert f"nothing answers at 127.0.0.1:{port} (the connection was refused)" in error.message
    assert "\\" not in error.message


def test_a_sleeping_space_and_a_full_queue_read_differently(spaces):
    provider = PROVIDERS[0]
    space = spaces(provider)
    space.controls.inject("sleeping", times=-1)
    asleep = failure_of(provider)
    assert "not running (asleep, paused or building)" in asleep.message
    assert "cannot reach" not in asleep.message
    space.controls.clear_faults()
    space.controls.inject("queue_503")  # the join refused, the config still served: full
    full = failure_of(provider)
    assert "queue is full" in full.message
    assert "asleep" not in full.message


def test_the_app_on_a_machine_without_internet_says_it_cannot_reach_hugging_face(tmp_path):
    # No SPACE_URLS: the providers keep their real *.hf.space addresses, and the network
    # guard refuses every lookup of them, as a machine without a network does.
    app = AppProcess("", tmp_path)
    try:
        client = Client(app.url, verbose=False, download_files=False)
        try:
            for provider in PROVIDERS:
                model = providers.registry.name_of(provider)
                with pytest.raises(AppError) as caught:
                    client.predict(prompt="a fox", model=model, api_name="/generate")
                message = caught.value.message
                assert "this machine cannot reach Hugging Face" in message, message
                assert OFFLINE_ADVICE in message
                assert LATER_ADVICE not in message
        finally:
            client.close()
        assert "NETWORK-GUARD: refused a name lookup" in app.log()
    finally:
        app.stop()
