"""The README's "Try it offline" command, run as documented, and its fault control endpoint."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

import providers
from tests.emulators import SPACE_KINDS
from tests.emulators.remote import ControlServer

from .app_server import READY, ROOT, die_with_parent, free_port
from .helpers import collect

COMMAND = [sys.executable, "-m", "tests.emulators"]  # as the README writes it
START = 120  # seconds for every emulator and the app to start on a busy machine


class OfflineCommand:
    """The command in a subprocess; its output read line by line on a thread."""

    def __init__(self, *arguments: str) -> None:
        self.process = subprocess.Popen(
            [*COMMAND, *arguments],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=die_with_parent,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern: str) -> re.Match:
        """The first line from now on matching `pattern`; fails if the command ends first."""
        while True:
            try:
                line = self.lines.get(timeout=START)
            except queue.Empty:
                pytest.fail(f"no line matching {pattern!r} within {START} s:\n{self.log()}")
            if line is None:
                pytest.fail(f"the command ended before {pattern!r}:\n{self.log()}")
            if match := re.search(pattern, line):
                return match

    def log(self) -> str:
        return "".join(self.output)

    def interrupt(self) -> int:
        """Ctrl-C, as a person stops it; the exit code."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def offline_command():
    started: list[OfflineCommand] = []

    def start(*arguments: str) -> OfflineCommand:
        started.append(OfflineCommand(*arguments))
        return started[-1]

    yield start
    for command in started:
        if command.process.poll() is None:
            command.interrupt()


def test_the_offline_command_starts_every_emulator_and_an_app_that_makes_images(
    offline_command, tmp_path
):
    port = free_port()
    command = offline_command("--port", str(port), "--control-port", "0", "--latency", "0")
    control = command.wait_for(r"Fault control at (http://127\.0\.0\.1:\d+/)")[1]
    urls = command.wait_for(r"^SPACE_URLS=(\S+)")[1]
    command.wait_for(READY)
    pointed = dict(item.split("=", 1) for item in urls.split(","))
    assert set(pointed) == {p.__name__ for p in providers.registry.providers()}
    assert all(url.startswith("http://127.0.0.1:") for url in pointed.values())
    emulators = httpx.get(control, timeout=10).json()["emulators"]
    assert [e["kind"] for e in emulators] == list(SPACE_KINDS)

    client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=str(tmp_path))
    try:
        png, seed = client.predict(
            prompt="a lighthouse, offline", seed=7, randomize_seed=False, api_name="/generate"
        )
        assert seed == 7
        with Image.open(png) as image:
            assert image.format == "PNG"
            assert "lighthouse" in image.text["parameters"]
        served = [e for e in httpx.get(control, timeout=10).json()["emulators"] if e["jobs"]]
        assert [e["jobs"] for e in served] == [{"completed": 1}]

        # Faults switched from outside the emulators' process reach the page's callers.
        answer = httpx.post(f"{control}all/inject", params={"fault": "sleeping", "times": -1})
        assert answer.status_code == 200, answer.text
        with pytest.raises(AppError, match="not running"):
            client.predict(prompt="while every Space sleeps", api_name="/generate")
        httpx.post(f"{control}all/clear").raise_for_status()
        png, _ = client.predict(prompt="awake again", api_name="/generate")
        assert Image.open(png).format == "PNG"
    finally:
        client.close()

    assert command.interrupt() == 0
    assert "Stopped." in command.log()
    assert "NETWORK-GUARD" not in command.log()  # nothing left the machine
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=5)


def test_without_the_app_it_prints_space_urls_and_applies_faults_given_as_flags(
    offline_command, monkeypatch
):
    command = offline_command("--no-app", "--control-port", "0", "--fault", "all=quota:2")
    control = command.wait_for(r"Fault control at (http://127\.0\.0\.1:\d+/)")[1]
    urls = command.wait_for(r"^SPACE_URLS=(\S+)")[1]
    command.wait_for("Emulators running")
    provider = providers.registry.providers()[0]
    pointed = dict(item.split("=", 1) for item in urls.split(","))
    monkeypatch.setattr(provider, "url", pointed[provider.__name__].rstrip("/"))
    with pytest.raises(providers.QuotaExceededError):
        collect(provider.create_async_generator(provider.default_model, "a fox"))
    played = [e["faults_played"] for e in httpx.get(control, timeout=10).json()["emulators"]]
    assert {"quota": 1} in played
    assert command.interrupt() == 0


@pytest.fixture
def control(emulators, fresh):
    with ControlServer(emulators) as server:
        yield server


def test_the_control_endpoint_refuses_unknown_kinds_actions_and_faults(control):
    unknown_kind = httpx.post(f"{control.url}no-such-space/clear")
    assert unknown_kind.status_code == 404
    assert "known: all, " in unknown_kind.json()["error"]
    unknown_action = httpx.post(f"{control.url}all/explode")
    assert unknown_action.status_code == 400
    assert "inject" in unknown_action.json()["error"]
    unknown_fault = httpx.post(f"{control.url}all/inject", params={"fault": "gremlins"})
    assert unknown_fault.status_code == 400
    assert "unknown fault 'gremlins'" in unknown_fault.json()["error"]
    not_a_number = httpx.post(f"{control.url}all/latency", params={"seconds": "soon"})
    assert not_a_number.status_code == 400
    assert "seconds must be a number" in not_a_number.json()["error"]


def test_the_control_endpoint_steers_one_emulator_and_leaves_the_others(control, emulators):
    first, *others = SPACE_KINDS
    httpx.post(f"{control.url}{first}/latency", params={"seconds": 3}).raise_for_status()
    answer = httpx.post(f"{control.url}{first}/inject", params={"fault": "sleeping"})
    assert answer.json()[0]["latency"] == 3
    assert emulators[first].controls.latency == 3
    assert all(emulators[kind].controls.latency == 0 for kind in others)
    for kind in others:
        assert httpx.get(f"{emulators[kind].url}config").status_code == 200
    assert httpx.get(f"{emulators[first].url}config").status_code == 503
    assert httpx.get(f"{emulators[first].url}config").status_code == 200  # times=1: used up
