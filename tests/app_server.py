"""Start the app as people run it (`python app.py`) in a subprocess, pointed at emulators."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = "Running on local URL"


def die_with_parent() -> None:
    """Linux: the app gets SIGTERM if the test process dies (a killed run leaves no server)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppProcess:
    """`python app.py` under the network guard; its output is kept for the tests to read."""

    def __init__(
        self,
        space_urls: str,
        workdir: Path,
        port: int | None = None,
        script: Path = ROOT / "app.py",
        **environment: str,
    ):
        self.port = port or free_port()  # the same port again: the same origin for a browser
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "SPACE"))}
        env |= {
            "SPACE_URLS": space_urls,
            "GRADIO_SERVER_PORT": str(self.port),
            # The app keeps its images and downloads inside Gradio's cache folder.
            "GRADIO_TEMP_DIR": str(workdir / "gradio"),
            # A machine token that must never reach an upstream on a visitor's behalf.
            "HF_TOKEN": "hf_machine_owner_token",
            "PYTHONUNBUFFERED": "1",
            **environment,
        }
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "network_guard.py"), str(script)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=die_with_parent,
        )
        self.output: list[str] = []
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout=180):  # a bound for a busy machine, not a speed check
            self.stop()
            raise RuntimeError("the app did not start:\n" + "".join(self.output))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            if READY in line:
                self._ready.set()
        self._ready.set()  # the process ended: stop waiting

    def log(self) -> str:
        return "".join(self.output)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
