"""Small helpers shared by the tests."""

from __future__ import annotations

import asyncio

from tests.emulators.contracts import CONTRACTS


def collect(stream) -> list:
    """Everything an async generator yields, run to its end on a fresh event loop."""

    async def run():
        return [item async for item in stream]

    return asyncio.run(run())


def emulator_for(emulators: dict, provider):
    """The running emulator of the Space a provider declares."""
    kind = next(c.kind for c in CONTRACTS.values() if c.space_id == provider.spec.space_id)
    return emulators[kind]
