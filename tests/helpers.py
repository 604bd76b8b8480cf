"""Small helpers shared by the tests."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from gradio_client import Client

from tests.emulators.contracts import CONTRACTS

# The sizes Qwen-Image picks for each ratio it offers (shared/upstream-spaces.md), written out
# from the notes for the tests, apart from the emulator's and the declaration's own copies.
QWEN_SIZES = {
    "1:1": (1328, 1328),
    "16:9": (1664, 928),
    "9:16": (928, 1664),
    "4:3": (1472, 1140),
    "3:4": (1140, 1472),
    "3:2": (1584, 1056),
    "2:3": (1056, 1584),
}


def collect(stream) -> list:
    """Everything an async generator yields, run to its end on a fresh event loop."""

    async def run():
        return [item async for item in stream]

    return asyncio.run(run())


def eventually(condition, what: str, timeout: float = 10.0, interval: float = 0.02) -> None:
    """Wait for a condition nothing signals (Controls.wait_for covers emulator jobs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(interval)


def visitor_headers(name: str | None = None) -> dict[str, str]:
    """Headers that make a caller a visitor of its own, as on a Space (where the platform
    sets each visitor's x-ip-token): the app's fair share counts per visitor."""
    return {"x-ip-token": f"{name or 'visitor'}-{uuid.uuid4().hex}"}


def visitor(url: str, name: str | None = None, **options: Any) -> Client:
    """A gradio_client Client that is a visitor of its own (see visitor_headers)."""
    return Client(url, verbose=False, headers=visitor_headers(name), **options)


def emulator_for(emulators: dict, provider):
    """The running emulator of the Space a provider declares."""
    kind = kind_of(provider)
    if kind is None:
        raise LookupError(f"no emulator kind reproduces {provider.spec.space_id}")
    return emulators[kind]


def kind_of(provider) -> str | None:
    """The emulator kind that reproduces a provider's Space, if there is one."""
    space_id = provider.spec.space_id
    return next((c.kind for c in CONTRACTS.values() if c.space_id == space_id), None)


def space_urls(emulators: dict, providers_: list) -> str:
    """SPACE_URLS pointing every provider at its running emulator (LookupError if one has
    none: it would call the real Space)."""
    return ",".join(f"{p.__name__}={emulator_for(emulators, p).url}" for p in providers_)


@dataclass(frozen=True)
class StreamFrame:
    """One update of the page's `/stream` event, as gradio_client hands it over.

    None means "left as it was" (Gradio's skip); `preview` is the live preview's image while
    one is shown (a path, or a file dict without downloads).
    """

    preview: Any
    gallery: list | None
    status: str | None


def stream_frames(job) -> list[StreamFrame]:
    """The frames a `/stream` job has sent so far: (live preview, gallery, status line)."""
    return [stream_frame(output) for output in job.outputs()]


def stream_frame(output) -> StreamFrame:
    preview, gallery, status = output
    if isinstance(preview, dict) and preview.get("__type__") == "update":
        # The first preview also makes the component visible; the rest are plain values.
        preview = preview.get("value") if preview.get("visible") else None
    return StreamFrame(
        preview=preview or None,
        gallery=gallery if isinstance(gallery, list) else None,
        status=status if isinstance(status, str) else None,
    )
