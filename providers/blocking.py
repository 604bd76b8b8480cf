"""Blocking network work (building Clients, downloads) run off the event loop.

`asyncio.to_thread` shares the loop's default executor, which has min(32, cores + 4)
threads: 6 on a 2-core Space. Calls that mostly wait on an upstream would then queue behind
each other across all visitors, so they get a pool of their own, sized for waiting.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_POOL = ThreadPoolExecutor(max_workers=128, thread_name_prefix="space-io")


async def run_blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_POOL, functools.partial(function, *args, **kwargs))
