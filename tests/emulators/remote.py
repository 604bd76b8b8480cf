"""Running emulators' Controls over HTTP, on loopback only: steer them from another process.

    curl http://127.0.0.1:7861/                                  # kinds, addresses, faults
    curl -X POST "http://127.0.0.1:7861/all/inject?fault=sleeping&times=-1"
    curl -X POST http://127.0.0.1:7861/all/clear

`POST /<kind or all>/<action>`, parameters in the query string:
    inject       fault, times (default 1; -1 until cleared)  or  fault, p, seed (a probability)
    clear        no parameter: every fault taken away
    reset        back to the start: no faults, records or hold, the starting latencies
    latency      seconds (one job's time, spread over its steps)
    step-latency seconds (added to every step)
    hold, release
`GET /<kind>` tells an emulator's latencies and its jobs so far. Answers are JSON; a bad
request gets 4xx and {"error": "..."} naming the problem. The server is a stdlib
ThreadingHTTPServer: requests are few and short, and it must not share the emulators' loop.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .contracts import CONTRACTS
from .controls import Controls
from .faults import FAULTS
from .server import RunningEmulator

ALL = "all"


class BadRequest(Exception):
    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


def _number(query: dict[str, str], name: str, convert: Callable = float, default=None):
    if name not in query:
        if default is None:
            raise BadRequest(f"{name} is missing")
        return default
    try:
        return convert(query[name])
    except ValueError:
        raise BadRequest(f"{name} must be a number, not {query[name]!r}") from None


def _inject(controls: Controls, query: dict[str, str]) -> None:
    fault = query.get("fault", "")
    if "p" in query:
        controls.inject_probability(fault, _number(query, "p"), _number(query, "seed", int, 0))
    else:
        controls.inject(fault, _number(query, "times", int, 1))


ACTIONS: dict[str, Callable[[Controls, dict[str, str]], None]] = {
    "inject": _inject,
    "clear": lambda controls, _: controls.clear_faults(),
    "reset": lambda controls, _: controls.reset(),
    "latency": lambda controls, q: controls.set_latency(_number(q, "seconds")),
    "step-latency": lambda controls, q: controls.set_step_latency(_number(q, "seconds")),
    "hold": lambda controls, _: controls.hold(),
    "release": lambda controls, _: controls.release(),
}


def describe(emulator: RunningEmulator) -> dict:
    controls = emulator.controls
    jobs = controls.jobs
    return {
        "kind": emulator.kind,
        "space_id": CONTRACTS[emulator.kind].space_id,
        "url": emulator.url,
        "latency": controls.latency,
        "step_latency": controls.step_latency,
        "running": controls.running,
        "jobs": dict(Counter(job.status for job in jobs)),
        "faults_played": dict(Counter(job.fault for job in jobs if job.fault)),
    }


def select(emulators: dict[str, RunningEmulator], kind: str) -> list[RunningEmulator]:
    """The emulators a request names: one kind, or every one for "all"."""
    if kind == ALL:
        return list(emulators.values())
    if kind not in emulators:
        known = ", ".join([ALL, *emulators])
        raise BadRequest(f"no emulator {kind!r}; known: {known}", HTTPStatus.NOT_FOUND)
    return [emulators[kind]]


class ControlServer:
    """Serves the control endpoint for `emulators` (kind -> RunningEmulator) on a thread."""

    def __init__(self, emulators: dict[str, RunningEmulator], port: int = 0) -> None:
        self.emulators = emulators
        handler = type("Handler", (_Handler,), {"emulators": emulators})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="emulator-control", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ControlServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    emulators: dict[str, RunningEmulator]

    def log_message(self, format: str, *args) -> None:
        return  # the terminal belongs to the app's own log

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def _answer(self, handle: Callable[[list[str], dict[str, str]], object]) -> None:
        parts = urlsplit(self.path)
        segments = [s for s in parts.path.split("/") if s]
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        try:
            status, body = HTTPStatus.OK, handle(segments, query)
        except BadRequest as error:
            status, body = error.status, {"error": str(error)}
        except ValueError as error:  # Controls' own checks (unknown fault, bad count)
            status, body = HTTPStatus.BAD_REQUEST, {"error": str(error)}
        data = json.dumps(body, indent=2).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _get(self, segments: list[str], query: dict[str, str]) -> object:
        if not segments:
            return {
                "emulators": [describe(e) for e in self.emulators.values()],
                "actions": list(ACTIONS),
                "faults": FAULTS,
            }
        if len(segments) == 1:
            return [describe(e) for e in select(self.emulators, segments[0])]
        raise BadRequest("GET / or /<kind>", HTTPStatus.NOT_FOUND)

    def _post(self, segments: list[str], query: dict[str, str]) -> object:
        if len(segments) != 2:
            raise BadRequest("POST /<kind>/<action>", HTTPStatus.NOT_FOUND)
        kind, action = segments
        if action not in ACTIONS:
            raise BadRequest(f"no action {action!r}; known: {', '.join(ACTIONS)}")
        targets = select(self.emulators, kind)
        for emulator in targets:
            ACTIONS[action](emulator.controls, query)
        return [describe(e) for e in targets]
