"""Start and stop an emulator Space on 127.0.0.1, with a middleware for the HTTP-level faults."""

from __future__ import annotations

import socket

import gradio as gr
import httpx
from gradio.exceptions import ServerFailedToStartError
from starlette.middleware import Middleware

from .app import build_blocks
from .contracts import CONTRACTS, drifted
from .controls import Controls
from .images import ImageStore

_UNAVAILABLE_PAGE = (
    b"<!DOCTYPE html><html><body><h1>503</h1>"
    b"<p>This Space is sleeping or building. Please retry later.</p></body></html>"
)


# Gradio runs at most `max_threads` events at once (default 40), whatever an event's
# concurrency_limit: an emulator without a limit must not have that hidden one.
WORKER_SLOTS = 512


class _HttpFaults:
    """Pure ASGI middleware (a BaseHTTPMiddleware would buffer Gradio's SSE streams)."""

    def __init__(self, app, controls: Controls) -> None:
        self.app, self.controls = app, controls

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.controls._saw_request(scope["path"], scope["method"])
        if scope["type"] == "http" and self.controls._take_fault(scope["path"], scope["method"]):
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": _UNAVAILABLE_PAGE})
            return
        await self.app(scope, receive, send)


class RunningEmulator:
    def __init__(self, kind: str, url: str, controls: Controls, demo: gr.Blocks, store) -> None:
        self.kind, self.url, self.controls = kind, url, controls
        self._demo, self._store = demo, store

    def close(self) -> None:
        self.controls._close()  # wake held and stalled jobs so shutdown does not wait on them
        self._demo.close(verbose=False)
        self._store.close()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<RunningEmulator {self.kind} at {self.url}>"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


IDLE_POLL = 0.02  # seconds; see start_emulator


def start_emulator(
    kind: str,
    *,
    latency: float = 0.0,
    step_latency: float = 0.0,
    concurrency_limit: int | None = None,
    max_queue_size: int | None = None,
    drift: str | None = None,
    idle_poll: float | None = IDLE_POLL,
) -> RunningEmulator:
    """Launch the emulator of Space `kind` on a free loopback port; returns once it answers.

    concurrency_limit None: unlimited parallel jobs (Gradio's own per-event limit otherwise);
    max_queue_size: Gradio's queue max_size (None: unbounded); drift: the Space after one of
    the changes of contracts.DRIFTS; idle_poll: seconds between the idle queue's looks for
    a new job (None: Gradio's own 1 ms, as on a real Space; the benchmark keeps that).
    """
    if kind not in CONTRACTS:
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(CONTRACTS)}")
    contract = drifted(CONTRACTS[kind], drift)
    controls = Controls(kind, latency=latency, step_latency=step_latency)
    store = ImageStore()
    demo = build_blocks(contract, controls, store, concurrency_limit)
    demo.queue(max_size=max_queue_size)
    for attempt in range(5):
        try:
            demo.launch(
                server_name="127.0.0.1",
                server_port=_free_port(),
                prevent_thread_lock=True,
                show_error=False,  # as on real Spaces: only gr.Error text reaches callers
                quiet=True,
                ssr_mode=False,
                mcp_server=False,
                max_threads=WORKER_SLOTS,
                app_kwargs={"middleware": [Middleware(_HttpFaults, controls=controls)]},
            )
            break
        except (OSError, ServerFailedToStartError):
            if attempt == 4:  # another process took the port between probe and bind
                store.close()
                raise
    # Gradio's SSE loop checks for shutdown only every 10 s, so an idle stream (a stalled job's)
    # would hold uvicorn's graceful shutdown past close()'s 5 s join: cut such streams after 1 s.
    demo.server.config.timeout_graceful_shutdown = 1
    if idle_poll is not None:
        # An idle Gradio queue looks for a new job every 1 ms: ten idle emulators took half a
        # core for the whole test session. A job now waits up to `idle_poll` to start.
        if not hasattr(demo._queue, "sleep_when_free"):
            raise RuntimeError("Gradio's queue no longer has sleep_when_free: re-check idle_poll")
        demo._queue.sleep_when_free = idle_poll
    url = f"http://127.0.0.1:{demo.server_port}/"
    # launch() returns once uvicorn has started; check that Gradio really serves its config.
    httpx.get(f"{url}config", timeout=10).raise_for_status()
    return RunningEmulator(kind, url, controls, demo, store)
