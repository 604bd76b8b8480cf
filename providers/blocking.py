"""Blocking network work (building Clients, downloads) run off the event loop.

`asyncio.to_thread` shares the loop's default executor, which has min(32, cores + 4)
threads: 6 on a 2-core Space. Calls that mostly wait on an upstream would then queue behind
each other across all visitors, so they get a limit of their own, sized for waiting.
anyio's worker threads end after 10 s idle: a burst of visitors leaves no threads behind.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio._backends._asyncio  # what anyio imports on first use: at import instead
import anyio.to_thread

T = TypeVar("T")
_WAITING = anyio.CapacityLimiter(128)


async def run_blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    # abandon_on_cancel: a cancelled caller stops waiting at once; the call finishes alone.
    return await anyio.to_thread.run_sync(
        functools.partial(function, *args, **kwargs), abandon_on_cancel=True, limiter=_WAITING
    )
