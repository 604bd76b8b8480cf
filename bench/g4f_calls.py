"""One process's calls to an SD 3.5 emulator through one provider class: the first, then more.

    python bench/g4f_calls.py ours|g4f SPACE_URL CALLS

Prints JSON: `first` (seconds to the final image of the process's first call, everything
imported beforehand) and `steady` (each later call), and the CPU seconds this process spent
on each (`first_cpu`, `steady_cpu`: on a shared machine, less noisy than the wall clock).
Run by bench/benchmark.py, a fresh process per sample, so every first call is a real one.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import g4f.debug  # noqa: E402
from g4f.Provider.hf_space.StabilityAI_SD35Large import (  # noqa: E402
    StabilityAI_SD35Large as G4fStabilityAI_SD35Large,
)

import providers  # noqa: E402

SIDES = {"ours": providers.StabilityAI_SD35Large, "g4f": G4fStabilityAI_SD35Large}
MESSAGES = [{"role": "user", "content": "a lighthouse on a basalt cliff at dusk"}]


async def one_image(provider) -> tuple[float, float]:
    """Wall and CPU seconds until the provider yields its final image (ours: downloaded and
    checked)."""
    started, cpu = time.perf_counter(), time.process_time()
    async for item in provider.create_async_generator("sd-3.5-large", MESSAGES):
        if type(item).__name__ == "ImageResponse":
            return time.perf_counter() - started, time.process_time() - cpu
    raise RuntimeError(f"{provider.__name__} gave no image")


async def main(side: str, space_url: str, calls: int) -> None:
    g4f.debug.version_check = False
    provider = SIDES[side]
    provider.url = space_url.rstrip("/")
    times = [await one_image(provider) for _ in range(calls)]
    wall, cpu = zip(*times, strict=True)
    print(
        json.dumps(
            {"first": wall[0], "steady": wall[1:], "first_cpu": cpu[0], "steady_cpu": cpu[1:]}
        )
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    providers.RUNTIME.close()
