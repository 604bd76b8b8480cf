"""What a test can steer and observe in a running emulator.

Tests call these methods from their own thread while the jobs run as coroutines on the
server's event loop: all state sits behind one threading.Condition, and blocked jobs wait on
asyncio futures that other threads resolve with loop.call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .faults import HTTP_FAULTS, check_name

Status = Literal["running", "completed", "cancelled", "error"]


@dataclass
class JobRecord:
    """One call of `infer` (Gradio's own rejections, e.g. out-of-range sliders, make none).

    width/height are the size of the image the Space produced (FLUX rounds down to its
    16-pixel grid; the "wrong_size" fault halves the width); `arguments` holds what was asked.
    """

    kind: str
    arguments: dict[str, Any]
    headers: dict[str, str]
    seed_used: int | None = None
    width: int | None = None
    height: int | None = None
    previews_sent: int = 0
    status: Status = "running"
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    fault: str | None = None  # the injected fault this job played, if any


class _Waiter:
    """An asyncio future on some loop, resolvable from any thread."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.future: asyncio.Future[None] = self.loop.create_future()

    def wake(self) -> None:
        def resolve() -> None:
            if not self.future.done():
                self.future.set_result(None)

        # A closed loop raises RuntimeError: then nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(resolve)


class Controls:
    def __init__(self, kind: str, *, latency: float = 0.0, step_latency: float = 0.0) -> None:
        self.kind = kind
        self._initial = (latency, step_latency)
        self._cond = threading.Condition(threading.RLock())
        self._waiters: list[_Waiter] = []
        self._closed = False
        self._set_initial_state()

    def _set_initial_state(self) -> None:
        self._latency, self._step_latency = self._initial
        self._records: list[JobRecord] = []
        self._running = 0
        self._max_concurrent = 0
        self._files_served = 0
        self._requests: list[tuple[str, str]] = []  # (method, path) of every HTTP request
        self._held = False
        # fault -> remaining count (-1: until cleared); dict order = injection order.
        self._counted: dict[str, int] = {}
        self._random: dict[str, tuple[float, random.Random]] = {}

    # --- steering -------------------------------------------------------------------------

    @property
    def latency(self) -> float:
        with self._cond:
            return self._latency

    @property
    def step_latency(self) -> float:
        with self._cond:
            return self._step_latency

    def set_latency(self, seconds: float) -> None:
        """Seconds one job takes, spread evenly over its denoising steps."""
        with self._cond:
            self._latency = float(seconds)

    def set_step_latency(self, seconds: float) -> None:
        """Seconds added to every denoising step (FLUX.1-dev sends a preview per step)."""
        with self._cond:
            self._step_latency = float(seconds)

    def inject(self, fault: str, times: int = 1) -> None:
        """The next `times` jobs (HTTP faults: requests) hit `fault`; -1 until clear_faults().

        Injecting a fault again replaces its count; different faults are used up in the
        order they were injected.
        """
        check_name(fault)
        if times == 0 or times < -1:
            raise ValueError("times must be a positive count or -1")
        with self._cond:
            self._counted[fault] = times

    def inject_probability(self, fault: str, p: float, seed: int = 0) -> None:
        """Each job (HTTP faults: each request) hits `fault` with probability p, reproducibly."""
        check_name(fault)
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be within [0, 1]")
        with self._cond:
            self._random[fault] = (p, random.Random(seed))

    def clear_faults(self) -> None:
        with self._cond:
            self._counted.clear()
            self._random.clear()

    def reset(self) -> None:
        """Back to construction state: no records, faults, hold; initial latencies.

        Jobs blocked by hold() or "stall" are released so they cannot outlive the reset.
        """
        self.release()
        with self._cond:
            self._set_initial_state()
            self._cond.notify_all()

    def hold(self) -> None:
        """Jobs that start from now on wait (as if for a GPU) until release()."""
        with self._cond:
            self._held = True

    def release(self) -> None:
        """End hold() and wake every waiting job, stalled ones included."""
        with self._cond:
            self._held = False
            waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.wake()

    # --- observing ------------------------------------------------------------------------

    @property
    def jobs(self) -> list[JobRecord]:
        with self._cond:
            return [dataclasses.replace(r) for r in self._records]

    @property
    def running(self) -> int:
        with self._cond:
            return self._running

    @property
    def max_concurrent(self) -> int:
        with self._cond:
            return self._max_concurrent

    def wait_for(self, predicate: Callable[[Controls], bool], timeout: float = 10) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self), timeout):
                raise TimeoutError(
                    f"{self.kind} emulator: condition not met within {timeout}s; "
                    f"running={self._running}, jobs={self._summary()}"
                )

    def wait_for_jobs(self, n: int, status: Status | None = None, timeout: float = 10) -> None:
        """Wait until at least n jobs (with that status, if given) have been recorded."""

        def enough(controls: Controls) -> bool:
            return sum(status is None or r.status == status for r in controls._records) >= n

        self.wait_for(enough, timeout)

    def _summary(self) -> str:
        return str([(r.status, r.fault, r.error) for r in self._records])

    # --- used by the emulator -------------------------------------------------------------

    @property
    def files_served(self) -> int:
        """Files fetched from this Space (GET .../gradio_api/file=...) since the last reset."""
        with self._cond:
            return self._files_served

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every HTTP request since the last reset: config, queue joins..."""
        with self._cond:
            return list(self._requests)

    def _saw_request(self, http_path: str, method: str) -> None:
        with self._cond:
            self._requests.append((method, http_path))
            if method == "GET" and "/gradio_api/file=" in http_path:
                self._files_served += 1

    def _take_fault(self, http_path: str | None = None, method: str = "") -> str | None:
        """Consume the fault for one job (http_path None) or one HTTP request."""

        def applies(fault: str) -> bool:
            if http_path is None:
                return fault not in HTTP_FAULTS
            if fault == "sleeping":
                return True
            return fault == "queue_503" and method == "POST" and http_path.endswith("/queue/join")

        with self._cond:
            for fault, left in self._counted.items():
                if applies(fault):
                    if left > 0:
                        if left == 1:
                            del self._counted[fault]
                        else:
                            self._counted[fault] = left - 1
                    return fault
            for fault, (p, rng) in self._random.items():
                if applies(fault) and rng.random() < p:
                    return fault
        return None

    def _start_job(self, record: JobRecord) -> None:
        with self._cond:
            self._records.append(record)
            self._running += 1
            self._max_concurrent = max(self._max_concurrent, self._running)
            self._cond.notify_all()

    def _update(self, record: JobRecord, **changes: Any) -> None:
        with self._cond:
            for name, value in changes.items():
                setattr(record, name, value)
            self._cond.notify_all()

    def _finish_job(self, record: JobRecord, status: Status, error: str | None = None) -> None:
        with self._cond:
            if record.status != "running":
                return
            record.status, record.error, record.finished = status, error, time.monotonic()
            if any(r is record for r in self._records):  # else reset() forgot it: counts restarted
                self._running -= 1
            self._cond.notify_all()

    async def _wait_if_held(self) -> None:
        await self._wait(only_if_held=True)

    async def _wait_for_release(self) -> None:
        await self._wait(only_if_held=False)

    async def _wait(self, only_if_held: bool) -> None:
        waiter = _Waiter()
        with self._cond:
            if self._closed or (only_if_held and not self._held):
                return
            self._waiters.append(waiter)
        try:
            await waiter.future
        finally:
            with self._cond:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _close(self) -> None:
        """Server shutdown: nothing may wait any more."""
        with self._cond:
            self._closed = True
        self.release()
