"""The Gradio queue protocol, written once, over gradio_client.

`SpaceClients` keeps one `gradio_client.Client` per upstream address, built lazily on first
use and shared by every call (a Client costs two requests and four threads to build).
`run_job` submits one job and turns what the Space sends into a stream of events:
progress, intermediate outputs, and the final output, with upstream failures mapped to our
error types. Nothing here knows a particular Space.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from gradio_client import Client
from gradio_client.exceptions import AppError, AuthenticationError, ValidationError
from gradio_client.utils import OutputUpdate, QueueError, Status, StatusUpdate, TooManyRequestsError

from .errors import (
    BadRequestError,
    ResponseError,
    SpaceUnavailableError,
    UpstreamTimeoutError,
    from_app_error,
)
from .responses import ProgressUpdate

# The asyncio sink that the next job submitted from this context reports to (see _Client).
_update_sink: contextvars.ContextVar[_LoopSink | None] = contextvars.ContextVar(
    "space_canvas_update_sink", default=None
)


class _LoopSink:
    """Hands gradio_client's updates, sent from its worker threads, to one asyncio loop.

    gradio_client puts updates on an asyncio.Queue from a worker thread, which does not wake
    the loop; `async for` over a Job therefore polls every 0.5 s. Putting them through
    `call_soon_threadsafe` delivers each one as it arrives, and none is lost.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self.queue: asyncio.Queue[Any] = asyncio.Queue()

    def put_nowait(self, update: Any) -> None:
        # A RuntimeError means the caller's loop is gone: nobody is listening.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.queue.put_nowait, update)


class _Client(Client):
    """A Client whose jobs report to the sink of the context that submitted them."""

    def new_helper(self, fn_index: int, headers: dict[str, str] | None = None):
        helper = super().new_helper(fn_index, headers=headers)
        sink = _update_sink.get()
        if sink is not None:
            helper.updates = sink
        return helper

    def _telemetry_thread(self) -> None:
        # Client(analytics_enabled=False) still reports when the environment variable is
        # unset; a Space front-end must not tell a third party which Spaces its visitors use.
        return None


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `read` bounds silence on a connection and must exceed Gradio's 15 s
    heartbeat; `total` bounds a whole job, queue wait included."""

    connect: float = 10.0
    read: float = 60.0
    total: float = 300.0

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(self.read, connect=self.connect)


class SpaceClients:
    """One lazily built, shared Client per (address, proxy). Thread-safe."""

    def __init__(self, timeouts: Timeouts | None = None, max_workers: int = 128):
        self.timeouts = timeouts or Timeouts()
        self._max_workers = max_workers
        self._clients: dict[tuple[str, str | None], Client] = {}
        self._building: dict[tuple[str, str | None], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, url: str, proxy: str | None = None) -> Client:
        """The Client for `url`, building it on first use. Blocking: call from a thread."""
        key = (url, proxy)
        with self._lock:
            if key in self._clients:
                return self._clients[key]
            build_lock = self._building.setdefault(key, threading.Lock())
        with build_lock:  # concurrent first calls build one Client, not one each
            with self._lock:
                if key in self._clients:
                    return self._clients[key]
            client = self._build(url, proxy)
            with self._lock:
                self._clients[key] = client
            return client

    def _build(self, url: str, proxy: str | None) -> Client:
        httpx_kwargs: dict[str, Any] = {"timeout": self.timeouts.httpx()}
        if proxy:
            httpx_kwargs["proxy"] = proxy
        try:
            return _Client(
                url,
                # False, not None: None makes gradio_client send this machine's own HF token.
                token=False,  # type: ignore[arg-type]
                max_workers=self._max_workers,
                verbose=False,
                httpx_kwargs=httpx_kwargs,
                download_files=False,  # we fetch files ourselves, checked and capped
                analytics_enabled=False,
            )
        except httpx.TimeoutException as error:
            raise SpaceUnavailableError(f"the Space did not answer at {url} ({error})") from error
        except httpx.HTTPError as error:
            raise SpaceUnavailableError(
                f"the Space cannot be reached at {url} ({error})"
            ) from error
        except AuthenticationError as error:
            raise SpaceUnavailableError(f"the Space at {url} is private") from error
        except TooManyRequestsError as error:
            raise SpaceUnavailableError("the Space is rate-limiting requests") from error
        except (ValueError, KeyError) as error:
            # gradio_client's words for a sleeping, paused or building Space (no config).
            raise SpaceUnavailableError(
                f"the Space at {url} is not running (asleep, paused or building)"
            ) from error

    def forget(self, url: str, proxy: str | None = None) -> None:
        """Drop a Client after its Space failed, so the next call reads a fresh config."""
        with self._lock:
            client = self._clients.pop((url, proxy), None)
        if client is not None:
            client.close()

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()


@dataclass(frozen=True)
class JobOutput:
    """One output of the endpoint (a tuple of its output values); `final` for the last."""

    values: tuple[Any, ...]
    final: bool


_JOB_DONE = object()
_DEADLINE = object()

# job.cancel() posts to the Space: run it off the event loop, and off the caller's path.
_cancellers = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="cancel")


async def run_job(
    client: Client,
    api_name: str,
    arguments: dict[str, Any],
    *,
    headers: dict[str, str],
    total_timeout: float,
) -> AsyncIterator[ProgressUpdate | JobOutput]:
    """Submit one job and yield its progress and outputs, ending with the final output.

    Leaving the loop early, or cancelling the task that runs it, cancels the upstream job.
    """
    loop = asyncio.get_running_loop()
    sink = _LoopSink(loop)
    token = _update_sink.set(sink)
    try:
        # `headers` go on this job's queue join only; a fresh dict each time, because
        # gradio_client writes into the one it is given.
        job = client.submit(**arguments, api_name=api_name, headers=dict(headers))
    except TypeError as error:
        raise BadRequestError(f"the Space's endpoint refused the arguments: {error}") from error
    finally:
        _update_sink.reset(token)

    # Completion and the deadline travel through the same queue as the updates, after every
    # update sent before them. A plain `await get()` keeps cancellation exact (on 3.11,
    # wait_for can swallow a cancel that lands as the get completes, CPython gh-86296).
    job.future.add_done_callback(lambda _future: sink.put_nowait(_JOB_DONE))
    deadline = loop.call_later(total_timeout, sink.queue.put_nowait, _DEADLINE)
    completed = False
    try:
        while True:
            update = await sink.queue.get()
            if update is _JOB_DONE:
                break
            if update is _DEADLINE:
                raise UpstreamTimeoutError(
                    f"the Space did not finish within {total_timeout:g} s; the job was cancelled"
                )
            event = _event_from(update)
            if event is not None:
                yield event
        result = _result_of(job.future)
        completed = True
        yield JobOutput(values=_as_tuple(result), final=True)
    finally:
        deadline.cancel()
        if not completed and not job.done():
            _cancellers.submit(job.cancel)


def _event_from(update: StatusUpdate | OutputUpdate) -> ProgressUpdate | JobOutput | None:
    if isinstance(update, OutputUpdate):
        if update.final or not update.success:
            return None  # the final value and errors come from the job's result
        values = update.outputs
        if isinstance(values, Exception):
            return None
        return JobOutput(values=_as_tuple(values), final=False)
    if update.code == Status.IN_QUEUE:
        return ProgressUpdate(
            stage="queued",
            queue_position=update.rank,
            queue_size=update.queue_size,
            eta_seconds=update.eta,
        )
    if update.code == Status.PROGRESS and update.progress_data:
        unit = update.progress_data[0]
        return ProgressUpdate(
            stage="running", step=unit.index, total_steps=unit.length, log=unit.desc
        )
    if update.code == Status.LOG and update.log:
        return ProgressUpdate(stage="log", log=update.log[0])
    if update.code == Status.PROCESSING:
        return ProgressUpdate(stage="running")
    return None


def _as_tuple(values: Any) -> tuple[Any, ...]:
    return tuple(values) if isinstance(values, list | tuple) else (values,)


def _result_of(finished: concurrent.futures.Future) -> Any:
    """The job's final value, or its failure as one of our errors."""
    try:
        return finished.result(timeout=0)
    except AppError as error:
        raise from_app_error(error.message, error.title) from error
    except ValidationError as error:
        raise BadRequestError(f"the Space refused the request: {error}") from error
    except QueueError as error:
        raise SpaceUnavailableError("the Space's queue is full; try again shortly") from error
    except httpx.HTTPStatusError as error:
        code = error.response.status_code
        if code in (502, 503, 504):
            raise SpaceUnavailableError(
                f"the Space is not running (HTTP {code}: asleep, paused or building)"
            ) from error
        raise SpaceUnavailableError(f"the Space answered HTTP {code}") from error
    except httpx.TimeoutException as error:
        raise UpstreamTimeoutError("the Space stopped answering") from error
    except httpx.HTTPError as error:
        raise SpaceUnavailableError(f"the connection to the Space failed ({error})") from error
    except concurrent.futures.CancelledError as error:
        raise SpaceUnavailableError("the Space dropped the job") from error
    except ResponseError:
        raise
    except (ValueError, KeyError) as error:
        # gradio_client's words for a stopped server or an answer without data.
        raise SpaceUnavailableError(
            f"the Space ended the job without a result ({error})"
        ) from error
