"""Fair share: at most a few generations per visitor at once, so one visitor cannot starve
the others of the app's shared slots (Gradio's concurrency limit counts everyone together).

A visitor is the signed-in Hugging Face user if any, else the request's `x-ip-token` (set per
visitor by the platform on a Space, and not forgeable there), else the client's address; see
`visitor_key`. Keys never hold a token: the token is hashed, and only the hash is logged.

How to use it in a handler (any endpoint that makes images: page, API, MCP tool):

    async with FAIR_SHARE.job(key):          # one upstream job
        ...make the image...

    async with FAIR_SHARE.run(key) as run:   # one request that makes several images
        async def one(model):
            async with run.job():            # waits in this visitor's own line, if need be
                ...make one image...
        await asyncio.gather(*(one(m) for m in models))

`job()` and `run()` raise `VisitorBusyError` at once, with words for the visitor, when every
slot of that visitor is taken: nothing waits in the shared queue or holds a shared slot.
Inside an admitted run, `run.job()` takes one slot per upstream job: up to the limit run at
once, the rest wait for this visitor's own slots and never delay anyone else. A run keeps
its first slot for its whole life, so a run admitted is a run that can always go on.
The key is made from the handler's `gr.Request` (and `gr.OAuthProfile`, if the handler takes
one) by the page; this module knows nothing of Gradio.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass


class VisitorBusyError(Exception):
    """All of this visitor's slots are taken; `message` says so to the visitor."""

    def __init__(self, limit: int):
        self.limit = limit
        images = "image" if limit == 1 else "images"
        self.message = (
            f"You already have {limit} {images} being made, the most one visitor may have at "
            "once. Wait for one to finish (or stop it), then try again."
        )
        super().__init__(self.message)


def visitor_key(user: str | None, ip_token: str | None, address: str | None) -> str:
    """Who a request comes from, for fair share and logs: never the token itself."""
    if user:
        return f"user:{user}"
    if ip_token:
        return "token:" + hashlib.sha256(ip_token.encode()).hexdigest()[:16]
    return f"address:{address or 'unknown'}"


class _Visitor:
    """One visitor's slots and line (used on one event loop: no lock needed)."""

    def __init__(self, limit: int):
        self.free = limit
        self.line: list[asyncio.Future[None]] = []  # jobs of admitted runs waiting for a slot

    def take(self) -> None:
        self.free -= 1

    def give_back(self) -> None:
        # Hand the slot straight to the next in line, so a new request cannot jump ahead.
        while self.line:
            waiter = self.line.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class Run:
    """One admitted request of a visitor; `job()` for each upstream job it makes."""

    def __init__(self, share: FairShare, key: str, visitor: _Visitor):
        self._share, self._key, self._visitor = share, key, visitor
        self._first_slot_free = True  # the run's own slot, taken at admission

    @contextlib.asynccontextmanager
    async def job(self) -> AsyncIterator[None]:
        if self._first_slot_free:
            self._first_slot_free = False
            try:
                yield
            finally:
                self._first_slot_free = True
            return
        await self._share._wait_for_slot(self._visitor)
        try:
            yield
        finally:
            self._visitor.give_back()


@dataclass
class FairShare:
    """At most `per_visitor` upstream jobs per visitor at once (see the module's docstring)."""

    per_visitor: int

    def __post_init__(self) -> None:
        if self.per_visitor < 1:
            raise ValueError("per_visitor must be at least 1")
        self._visitors: dict[str, _Visitor] = {}

    def in_use(self, key: str) -> int:
        visitor = self._visitors.get(key)
        return 0 if visitor is None else self.per_visitor - visitor.free

    @contextlib.asynccontextmanager
    async def run(self, key: str) -> AsyncIterator[Run]:
        visitor = self._visitors.setdefault(key, _Visitor(self.per_visitor))
        if visitor.free < 1:
            raise VisitorBusyError(self.per_visitor)
        visitor.take()
        try:
            yield Run(self, key, visitor)
        finally:
            visitor.give_back()
            if visitor.free == self.per_visitor and not visitor.line:
                del self._visitors[key]  # nothing kept about a visitor between requests

    @contextlib.asynccontextmanager
    async def job(self, key: str) -> AsyncIterator[None]:
        async with self.run(key) as run, run.job():
            yield

    async def _wait_for_slot(self, visitor: _Visitor) -> None:
        if visitor.free > 0:
            visitor.take()
            return
        waiter = asyncio.get_running_loop().create_future()
        visitor.line.append(waiter)
        try:
            await waiter  # give_back() passed its slot to us
        except asyncio.CancelledError:
            with contextlib.suppress(ValueError):
                visitor.line.remove(waiter)
            if waiter.done() and not waiter.cancelled():
                visitor.give_back()  # the slot came as we were cancelled: pass it on
            raise
