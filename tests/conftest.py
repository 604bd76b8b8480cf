import pytest

import providers
from tests.emulators import SPACE_KINDS, start_emulator

from .app_server import AppProcess
from .helpers import emulator_for
from .helpers import space_urls as space_urls_of


@pytest.fixture(scope="session")
def emulators():
    """One running emulator Space per kind, shared by the session.

    Tests that steer one must call `controls.reset()` themselves (the `spaces` fixture does).
    """
    running = {}
    try:
        for kind in SPACE_KINDS:
            running[kind] = start_emulator(kind)
        yield running
    finally:
        for emulator in running.values():
            emulator.close()


@pytest.fixture(scope="session", autouse=True)
def downloads(tmp_path_factory):
    """Provider downloads go to a folder of the test session."""
    providers.RUNTIME.configure(download_dir=tmp_path_factory.mktemp("downloads"))
    yield
    providers.RUNTIME.close()


@pytest.fixture
def spaces(emulators, monkeypatch):
    """Point a provider at its emulator, with the emulator's controls fresh: `spaces(P)`."""
    used = []

    def point(provider):
        emulator = emulator_for(emulators, provider)
        emulator.controls.reset()
        monkeypatch.setattr(provider, "url", emulator.url.rstrip("/"))
        used.append(emulator)
        return emulator

    yield point
    for emulator in used:
        emulator.controls.reset()


@pytest.fixture(scope="session")
def space_urls(emulators) -> str:
    """SPACE_URLS pointing every provider at its emulator."""
    return space_urls_of(emulators, providers.registry.providers())


@pytest.fixture(scope="session")
def app_server(space_urls, tmp_path_factory):
    """The app, started as `python app.py`, with every Space emulated."""
    app = AppProcess(space_urls, tmp_path_factory.mktemp("app"))
    yield app
    app.stop()


@pytest.fixture
def fresh(emulators):
    """Every emulator with fresh controls and records, before and after the test."""
    for emulator in emulators.values():
        emulator.controls.reset()
    yield emulators
    for emulator in emulators.values():
        emulator.controls.reset()
