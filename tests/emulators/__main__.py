"""Try the app offline: every emulator Space on loopback, and the app pointed at them.

    .venv/bin/python -m tests.emulators              # emulators, fault control, then the app
    .venv/bin/python -m tests.emulators --no-app     # only print the SPACE_URLS to use
    .venv/bin/python -m tests.emulators --fault all=sleeping:-1 --latency 5

A module of the emulator package (not a script of the app): it serves demos without a network
and development, and the tests run it as documented. Every emulator kind there is gets
started, so a new Space needs no change here. The app runs as `python app.py` under the tests'
network guard, which reports any connection that leaves the machine. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import providers
from tests.app_server import die_with_parent
from tests.helpers import space_urls

from .contracts import SPACE_KINDS
from .remote import BadRequest, ControlServer, select
from .server import RunningEmulator, start_emulator

ROOT = Path(__file__).resolve().parents[2]


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulators",
        description="Start every emulator Space on 127.0.0.1, a fault control endpoint, "
        "and the app pointed at them.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        help="the app's port (default: GRADIO_SERVER_PORT or 7860)",
    )
    parser.add_argument(
        "--control-port", type=int, default=7861, help="the fault control endpoint's port"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=2.0,
        help="seconds one job takes, spread over its steps (default 2: previews are seen)",
    )
    parser.add_argument(
        "--step-latency", type=float, default=0.0, help="seconds added to every step"
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=FAULT[:TIMES]",
        help="inject a fault at start (KIND may be 'all'; TIMES -1: until cleared); repeatable",
    )
    parser.add_argument(
        "--no-app", action="store_true", help="start only the emulators; print SPACE_URLS"
    )
    return parser.parse_args(argv)


def inject_at_start(emulators: dict[str, RunningEmulator], setting: str) -> None:
    kind, separator, rest = setting.partition("=")
    fault, _, times = rest.partition(":")
    if not separator or not fault:
        raise SystemExit(f"--fault {setting!r}: expected KIND=FAULT[:TIMES]")
    try:
        for emulator in select(emulators, kind):
            emulator.controls.inject(fault, int(times or 1))
    except (BadRequest, ValueError) as error:
        raise SystemExit(f"--fault {setting!r}: {error}") from None


def start_app(urls: str, port: int) -> subprocess.Popen:
    guard = ROOT / "tests" / "network_guard.py"
    environment = os.environ | {"SPACE_URLS": urls, "GRADIO_SERVER_PORT": str(port)}
    return subprocess.Popen(
        [sys.executable, str(guard), str(ROOT / "app.py")],
        cwd=ROOT,
        env=environment,
        preexec_fn=die_with_parent,
    )


def stop_app(app: subprocess.Popen) -> int:
    if app.poll() is None:
        app.terminate()
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            app.kill()
    return app.wait()


def main(argv: list[str] | None = None) -> int:
    options = parse_arguments(argv)
    stopping = threading.Event()

    def stop(signum, frame) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    emulators: dict[str, RunningEmulator] = {}
    control = app = None
    try:
        for kind in SPACE_KINDS:
            emulators[kind] = start_emulator(
                kind, latency=options.latency, step_latency=options.step_latency
            )
            print(f"Emulator {kind} at {emulators[kind].url}", flush=True)
        for setting in options.fault:
            inject_at_start(emulators, setting)
        control = ControlServer(emulators, options.control_port)
        example = f'curl -X POST "{control.url}all/inject?fault=sleeping&times=-1"'
        print(f"Fault control at {control.url} (for example: {example})", flush=True)
        urls = space_urls(emulators, providers.registry.providers())
        print(f"SPACE_URLS={urls}", flush=True)
        if options.no_app:
            print("Emulators running; Ctrl-C stops them.", flush=True)
            stopping.wait()
            return 0
        app = start_app(urls, options.port)
        watched = app  # the app's own exit ends the command too; a signal ends the app
        threading.Thread(target=lambda: (watched.wait(), stopping.set()), daemon=True).start()
        stopping.wait()
        ended_by_itself = app.poll() is not None
        code = stop_app(app)
        return code if ended_by_itself else 0
    finally:
        if app is not None:
            stop_app(app)
        if control is not None:
            control.close()
        for emulator in emulators.values():
            emulator.close()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
