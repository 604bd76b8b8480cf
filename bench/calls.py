"""One job shape, timed directly and through the app, in a process of its own.

    python bench/calls.py APP_URL SPACE_URL MODEL PREVIEWS RUNS   # prints JSON

Run by bench/benchmark.py for its overhead section, after it has set the emulator's job
time. The direct call and the call through the app alternate, so drift hits both alike.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from gradio_client import Client  # noqa: E402

from providers.gradio_space import WakingClient  # noqa: E402
from providers.tls import shared_context  # noqa: E402
from tests.helpers import stream_frame  # noqa: E402


@dataclass
class Timing:
    first_preview: float | None
    final: float


# ---- one call, direct or through the app ---------------------------------------------------
# Both sides use gradio_client with download_files=False and fetch the first preview and the
# final image over one shared HTTP client: a time is taken when that file is on the caller's
# side, ready to show.
# Both use the providers' WakingClient: gradio_client, minus the 50 ms nap between looks at a
# job's messages, which would round every caller-side time up to the next 50 ms tick.

HTTP = httpx.Client(timeout=30, verify=shared_context())
# The best use of gradio_client, on both sides: no automatic downloads, one TLS context.
CLIENT_OPTIONS = {"verbose": False, "download_files": False, "ssl_verify": shared_context()}


def fetch(file_data: dict) -> None:
    HTTP.get(file_data["url"]).raise_for_status()


def direct_call(client: Client, steps: int) -> Timing:
    """The physical limit: gradio_client straight to the emulator Space."""
    start = time.perf_counter()
    first = None
    job = client.submit(
        prompt="bench", seed=1, randomize_seed=False, width=512, height=512,
        **({"guidance_scale": 3.5} if steps else {}),
        num_inference_steps=max(steps, 1), api_name="/infer",
    )  # fmt: skip
    for output in job:  # every output: the previews, then the final
        if first is None and steps:
            fetch(output[0])
            first = time.perf_counter() - start
    image, _seed = job.result()
    fetch(image)
    return Timing(first if steps else None, time.perf_counter() - start)


def app_final(client: Client, model: str, steps: int) -> float:
    """Time to the final image through the documented `/generate` endpoint."""
    start = time.perf_counter()
    image, _seed = client.predict(
        "bench", model=model, width=512, height=512, num_inference_steps=max(steps, 1),
        seed=1, randomize_seed=False, api_name="/generate",
    )  # fmt: skip
    fetch(image)
    return time.perf_counter() - start


def app_first_preview(client: Client, model: str, steps: int) -> float:
    """Time to the first preview in the page's stream (`/stream`, what the page's live
    preview gets)."""
    start = time.perf_counter()
    job = client.submit(
        "bench", "", model, "1:1", 512, 512, steps, 3.5, 1, False, api_name="/stream"
    )
    for output in job:
        if preview := stream_frame(output).preview:
            fetch(preview)
            elapsed = time.perf_counter() - start
            job.result()  # let it finish: the next run starts from a quiet Space
            return elapsed
    raise RuntimeError("no preview arrived")


def main(app_url: str, space_url: str, model: str, steps: int, runs: int) -> None:
    direct = WakingClient(space_url, **CLIENT_OPTIONS)
    through_app = WakingClient(app_url, **CLIENT_OPTIONS)
    direct_call(direct, steps)  # warm both paths: Clients built, code loaded
    app_final(through_app, model, steps)
    times: dict[str, list[float]] = {
        "direct_final": [], "app_final": [], "direct_first": [], "app_first": []
    }  # fmt: skip
    for _ in range(runs):
        timing = direct_call(direct, steps)
        times["direct_final"].append(timing.final)
        times["app_final"].append(app_final(through_app, model, steps))
        if steps:
            times["direct_first"].append(timing.first_preview)
            times["app_first"].append(app_first_preview(through_app, model, steps))
    direct.close()
    through_app.close()
    print(json.dumps(times))


if __name__ == "__main__":
    app_url, space_url, model, steps, runs = sys.argv[1:]
    main(app_url, space_url, model, int(steps), int(runs))
