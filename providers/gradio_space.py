"""The Gradio queue protocol, written once, over gradio_client.

`SpaceClients` lends each job a `gradio_client.Client` of its own, built lazily and reused by
later jobs (a Client costs two requests and a heartbeat thread to build).
`run_job` submits one job and turns what the Space sends into a stream of events:
progress, intermediate outputs, and the final output, with upstream failures mapped to our
error types. Nothing here knows a particular Space.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import errno
import functools
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpcore._sync.http11  # noqa: F401  # (and h11) on the first connection otherwise
import httpx
from gradio_client import Client
from gradio_client.exceptions import AppError, AuthenticationError, ValidationError
from gradio_client.utils import OutputUpdate, QueueError, Status, StatusUpdate, TooManyRequestsError
from huggingface_hub import constants as hub_constants

from .blocking import run_blocking
from .errors import (
    OfflineError,
    ResponseError,
    SpaceChangedError,
    SpaceUnavailableError,
    UpstreamTimeoutError,
    from_app_error,
)
from .responses import ProgressUpdate
from .tls import shared_context

# A Client's User-Agent comes from huggingface_hub, whose agent detection downloads a registry
# from huggingface.co on a process's first Client (and again per process while offline): a
# request to a third party, and time on the first visitor's call. It is telemetry, and off
# with telemetry, as the Client's own is (see WakingClient._telemetry_thread).
hub_constants.HF_HUB_DISABLE_TELEMETRY = True

# The asyncio sink that the next job submitted from this context reports to (see WakingClient).
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
        # Set by the first update: the Space has given the job its event id by then, which
        # a cancel needs (one sent before it is refused and the job runs on).
        self.joined = threading.Event()

    def put_nowait(self, update: Any) -> None:
        self.joined.set()
        # A RuntimeError means the caller's loop is gone: nobody is listening.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.queue.put_nowait, update)


class _WakingDeque(deque):
    """One job's incoming messages, whose reader sleeps until a message arrives.

    gradio_client's per-job thread checks this deque and, finding it empty, sleeps 50 ms
    (`utils.stream_sse_v1plus`): every message would wait 25 ms on average, on top of the
    caller's own wait. Here the emptiness check itself waits for the next append, so the
    thread wakes as a message lands. The wait is bounded: the loop's own logic is unchanged.
    Only that loop asks for the length; anything else that did (`bool()`, `list()`) would
    wait too, so nothing else should.
    """

    _MAX_WAIT = 5.0  # seconds; after that the loop takes one 50 ms nap and asks again

    def __init__(self, *args):
        super().__init__(*args)
        self._arrived = threading.Condition()

    def append(self, message) -> None:
        with self._arrived:
            super().append(message)
            self._arrived.notify_all()

    def __len__(self) -> int:
        with self._arrived:
            self._arrived.wait_for(lambda: deque.__len__(self) > 0, timeout=self._MAX_WAIT)
            return deque.__len__(self)


class _WakingMessages(dict):
    """`Client.pending_messages_per_event` holding _WakingDeques: gradio_client makes each
    job's deque with `setdefault(event_id, deque())` or `[event_id] = deque()`."""

    def setdefault(self, key, default=None):
        return super().setdefault(key, _WakingDeque(default or ()))

    def __setitem__(self, key, value) -> None:
        if not isinstance(value, _WakingDeque):
            value = _WakingDeque(value)
        super().__setitem__(key, value)


class WakingClient(Client):
    """A Client whose jobs report to the sink of the context that submitted them, and whose
    job threads wake as each message arrives (see _WakingDeque)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending_messages_per_event = _WakingMessages()

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

    @classmethod
    def for_jobs_of(cls, seconds: float) -> Timeouts:
        """Timeouts for jobs of at most `seconds`: no single wait may outlast a whole job,
        so a silent Space frees its thread by the job's deadline."""
        default = cls()
        return cls(min(default.connect, seconds), min(default.read, seconds), seconds)

    def httpx(self, within: float | None = None) -> httpx.Timeout:
        """httpx's timeouts; `within` bounds them further (what is left of a job)."""
        if within is None:
            return httpx.Timeout(self.read, connect=self.connect)
        within = max(within, 0.1)
        return httpx.Timeout(min(self.read, within), connect=min(self.connect, within))


class Deadline:
    """One job's end. Every wait of the job is bounded by it: building the Client (config
    and API info), the queue join and wait, the job itself, and the image downloads."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def error(self) -> UpstreamTimeoutError:
        return UpstreamTimeoutError(
            f"the Space did not finish within {self.seconds:g} s; the job was cancelled"
        )

    async def bound(self, awaitable):
        """Await within the time left, or raise the deadline's UpstreamTimeoutError.

        An anyio cancel scope, not asyncio.wait_for: on 3.10 and 3.11 wait_for can swallow a
        cancel (a visitor's Stop) that lands as the awaited call completes, CPython gh-86296.
        """
        with anyio.move_on_after(self.left()):
            return await awaitable
        raise self.error()  # only reached when the time ran out


Key = tuple[str, str | None]  # (address, proxy)


class SpaceClients:
    """Clients per Space, each lent to one job at a time. Thread-safe.

    Gradio cancels by session: `/cancel` stops every running job of the Client's session on
    that endpoint. One Client shared by concurrent jobs would let one visitor's Stop cancel
    everyone's job on that Space, so each job leases a Client of its own. Returned Clients
    are reused by later jobs; at most `max_idle` per Space wait, for at most `idle_seconds`.
    An idle Client holds a thread and a heartbeat connection to its Space, so a background
    thread closes expired ones even when no job comes to notice.
    """

    def __init__(
        self, timeouts: Timeouts | None = None, max_idle: int = 64, idle_seconds: float = 60.0
    ):
        self.timeouts = timeouts or Timeouts()
        self._max_idle = max_idle
        self._idle_seconds = idle_seconds
        self._idle: dict[Key, list[tuple[float, Client]]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._closing = threading.Event()
        self._reaper: threading.Thread | None = None

    def acquire(self, url: str, proxy: str | None = None, *, within: float | None = None) -> Client:
        """An idle Client for the Space, or a new one, built within `within` seconds if
        given. Blocking: call from a thread."""
        with self._lock:
            expired = self._expire()
            idle = self._idle.get((url, proxy))
            client = idle.pop()[1] if idle else None
        _shut_down(expired)
        return client or self._build(url, proxy, within)

    def release(self, url: str, proxy: str | None, client: Client, *, reusable: bool) -> None:
        with self._lock:
            expired = self._expire()
            idle = self._idle.setdefault((url, proxy), [])
            if reusable and not self._closed and len(idle) < self._max_idle:
                idle.append((time.monotonic(), client))
                self._start_reaper()
            else:
                expired.append(client)
        _shut_down(expired)

    def _start_reaper(self) -> None:
        """Start the thread that closes expired Clients (call with the lock held)."""
        if self._reaper is None:
            self._reaper = threading.Thread(
                target=self._reap, name="space-clients-reaper", daemon=True
            )
            self._reaper.start()

    def _reap(self) -> None:
        # A Client is closed at most half an idle period after it expires.
        while not self._closing.wait(self._idle_seconds / 2):
            with self._lock:
                expired = self._expire()
            _shut_down(expired)

    def idle(self, url: str, proxy: str | None = None) -> int:
        with self._lock:
            return len(self._idle.get((url, proxy), []))

    def _expire(self) -> list[Client]:
        """Take out the Clients idle for too long (call with the lock held)."""
        cutoff = time.monotonic() - self._idle_seconds
        expired = []
        for key, idle in self._idle.items():
            expired += [client for since, client in idle if since < cutoff]
            self._idle[key] = [(since, client) for since, client in idle if since >= cutoff]
        return expired

    def _build(self, url: str, proxy: str | None, within: float | None = None) -> Client:
        # The config and API info requests are bounded by what is left of the job; the
        # Client's later requests get the usual timeouts.
        httpx_kwargs: dict[str, Any] = {"timeout": self.timeouts.httpx(within)}
        if proxy:
            httpx_kwargs["proxy"] = proxy
        try:
            client = WakingClient(
                url,
                # False, not None: None makes gradio_client send this machine's own HF token.
                token=False,  # type: ignore[arg-type]
                max_workers=4,  # one job at a time per Client
                verbose=False,
                httpx_kwargs=httpx_kwargs,
                download_files=False,  # we fetch files ourselves, checked and capped
                analytics_enabled=False,
                ssl_verify=shared_context(),  # type: ignore[arg-type]  # see providers.tls
            )
            client.httpx_kwargs["timeout"] = self.timeouts.httpx()
            return client
        except httpx.TimeoutException as error:
            raise SpaceUnavailableError(f"the Space did not answer at {url} ({error})") from error
        except httpx.HTTPError as error:
            raise connection_failure(url, error) from error
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
        """Close a Space's idle Clients after it failed: the next job reads a fresh config."""
        with self._lock:
            idle = self._idle.pop((url, proxy), [])
        _shut_down([client for _, client in idle])

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            self._closed = True
            idle = [client for clients in self._idle.values() for _, client in clients]
            self._idle = {}
        _shut_down(idle)


def _shut_down(clients: list[Client]) -> None:
    """Stop a Client's threads: `close()` ends its heartbeat, its thread pools stay alive."""
    for client in clients:
        client.close()
        for pool in (client.executor, client.helper_executor, client.stream_executor):
            pool.shutdown(wait=False)


@dataclass(frozen=True)
class JobOutput:
    """One output of the endpoint (a tuple of its output values); `final` for the last."""

    values: tuple[Any, ...]
    final: bool


_JOB_DONE = object()
_DEADLINE = object()

# job.cancel() posts to the Space: run it off the event loop, and off the caller's path.
# Each may wait for its job to end, so many visitors stopping at once need many threads.
_cancellers = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="cancel")


async def run_job(
    clients: SpaceClients,
    url: str,
    api_name: str,
    arguments: dict[str, Any] | Callable[[Client], dict[str, Any]],
    *,
    proxy: str | None = None,
    headers: dict[str, str],
    deadline: Deadline,
) -> AsyncIterator[ProgressUpdate | JobOutput]:
    """Submit one job and yield its progress and outputs, ending with the final output,
    all within `deadline` (from the Client's building on).

    `arguments` may be a function of the Client, for arguments settled against the API the
    Client fetched. Leaving the loop early, or cancelling the task that runs it, cancels the
    upstream job.
    """
    client = await _lease(clients, url, proxy, deadline)
    if callable(arguments):
        try:
            arguments = arguments(client)
        except BaseException:
            clients.release(url, proxy, client, reusable=False)  # it read a Space we cannot use
            raise
    loop = asyncio.get_running_loop()
    sink = _LoopSink(loop)
    token = _update_sink.set(sink)
    try:
        # `headers` go on this job's queue join only; a fresh dict each time, because
        # gradio_client writes into the one it is given.
        job = client.submit(**arguments, api_name=api_name, headers=dict(headers))
    except (TypeError, ValueError) as error:
        # gradio_client checks names against the API it read: after our own check against
        # that same API, a refusal means the Space is not what it said.
        clients.release(url, proxy, client, reusable=False)
        raise SpaceChangedError(f"the Space has changed: {error}") from error
    finally:
        _update_sink.reset(token)

    # Completion and the deadline travel through the same queue as the updates, after every
    # update sent before them. A plain `await get()` keeps cancellation exact (on 3.11,
    # wait_for can swallow a cancel that lands as the get completes, CPython gh-86296).
    job.future.add_done_callback(lambda _future: sink.put_nowait(_JOB_DONE))
    alarm = loop.call_later(deadline.left(), sink.queue.put_nowait, _DEADLINE)
    try:
        while True:
            update = await sink.queue.get()
            if update is _JOB_DONE:
                break
            if update is _DEADLINE:
                raise deadline.error()
            event = _event_from(update)
            if event is not None:
                yield event
        try:
            result = _result_of(job.future)
        except _QueueRefused:
            # Gradio's full queue and a sleeping Space both answer the join with 503.
            asleep = await deadline.bound(
                run_blocking(_is_down, client, min(clients.timeouts.connect, deadline.left()))
            )
            raise SpaceUnavailableError(
                "the Space is not running (asleep, paused or building); try again in a few "
                "minutes or pick another model"
                if asleep
                else "the Space's queue is full; try again shortly"
            ) from None
        yield JobOutput(values=_as_tuple(result), final=True)
    finally:
        alarm.cancel()
        if job.done():
            clients.release(url, proxy, client, reusable=True)
        else:  # off the event loop: cancelling posts to the Space
            _cancellers.submit(_cancel_then_release, job, sink, clients, url, proxy, client)


async def _lease(clients: SpaceClients, url: str, proxy: str | None, deadline: Deadline) -> Client:
    """A Client for the job, within the deadline. A Client that is built after its job
    gave up (deadline or cancel) goes back to the pool for the next job, not lost."""
    building = asyncio.ensure_future(
        run_blocking(clients.acquire, url, proxy, within=deadline.left())
    )
    try:
        return await deadline.bound(asyncio.shield(building))
    except BaseException:
        building.add_done_callback(functools.partial(_return_late, clients, url, proxy))
        raise


def _return_late(clients: SpaceClients, url: str, proxy: str | None, building) -> None:
    if not building.cancelled() and building.exception() is None:
        clients.release(url, proxy, building.result(), reusable=True)


def _cancel_then_release(job, sink: _LoopSink, clients: SpaceClients, url, proxy, client) -> None:
    """Cancel a job that is still running, then return its Client.

    The Client goes back only once the job has ended: a cancel is session-wide, so it must
    not reach a Space while the Client serves someone else's job.
    """
    wait = clients.timeouts.connect + clients.timeouts.read
    ended = False
    try:
        sink.joined.wait(timeout=wait)
        if not job.done():
            job.cancel()
        ended = not concurrent.futures.wait([job.future], timeout=wait).not_done
    finally:
        clients.release(url, proxy, client, reusable=ended)


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


class _QueueRefused(Exception):
    """The Space answered the queue join with 503: full, or not running."""


def _is_down(client: Client, timeout: float) -> bool:
    """Whether the Space's config fails too: it is asleep or building, not just busy."""
    try:
        response = httpx.get(client.src + "config", timeout=timeout, verify=client.ssl_verify)
    except httpx.HTTPError:
        return True
    return response.status_code >= 500


_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})


def connection_failure(url: str, error: httpx.HTTPError) -> SpaceUnavailableError:
    """A request that got no answer, worded by its cause: this machine is offline (the name
    does not resolve, no route) or nothing listens at the address (refused)."""
    address = httpx.URL(url)
    host, netloc = address.host or url, address.netloc.decode() or url
    where = "Hugging Face" if host.endswith((".hf.space", "huggingface.co")) else host
    cause = _os_error_behind(error)
    if isinstance(cause, socket.gaierror):
        return OfflineError(
            f"this machine cannot reach {where}: the name {host} does not resolve "
            "(no internet connection, or no DNS)"
        )
    if cause is not None and cause.errno in _NO_ROUTE:
        return OfflineError(
            f"this machine cannot reach {where}: there is no network route to {host}"
        )
    if isinstance(cause, ConnectionRefusedError):
        return SpaceUnavailableError(f"nothing answers at {netloc} (the connection was refused)")
    return SpaceUnavailableError(f"the connection to the Space at {netloc} failed ({error})")


def _request_url(error: httpx.HTTPError) -> str:
    try:
        return str(error.request.url)
    except RuntimeError:  # an error raised without its request
        return "the Space"


def _os_error_behind(error: BaseException) -> OSError | None:
    """The socket error an httpx error was raised from (httpx -> httpcore -> OSError)."""
    seen: BaseException | None = error
    while seen is not None and not isinstance(seen, OSError):
        seen = seen.__cause__ or seen.__context__
    return seen


def _as_tuple(values: Any) -> tuple[Any, ...]:
    return tuple(values) if isinstance(values, list | tuple) else (values,)


def _result_of(finished: concurrent.futures.Future) -> Any:
    """The job's final value, or its failure as one of our errors."""
    try:
        return finished.result(timeout=0)
    except AppError as error:
        raise from_app_error(error.message, error.title) from error
    except ValidationError as error:
        # Every input was checked against the Space's live API first: a refusal now means
        # the Space changed since that was read.
        raise SpaceChangedError(
            f"the Space has changed, it refused the request: {error}"
        ) from error
    except QueueError as error:
        raise _QueueRefused() from error
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
        raise connection_failure(_request_url(error), error) from error
    except concurrent.futures.CancelledError as error:
        raise SpaceUnavailableError("the Space dropped the job") from error
    except ResponseError:
        raise
    except (ValueError, KeyError) as error:
        # gradio_client's words for a stopped server or an answer without data.
        raise SpaceUnavailableError(
            f"the Space ended the job without a result ({error})"
        ) from error
