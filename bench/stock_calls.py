"""A stock gradio_client caller, straight to the Space and through the app's `/generate`.

    python bench/stock_calls.py APP_URL SPACE_URL MODEL RUNS   # prints JSON

What an API user sees: `gradio_client.Client` with its defaults (it downloads the result
file, and its job thread looks at its messages every 50 ms), on both sides. Run by
bench/benchmark.py in a process of its own, after it has set the emulator's job time; the
two sides alternate, so drift hits both alike.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

from tests.helpers import visitor_headers  # noqa: E402


def direct(client: Client) -> float:
    start = time.perf_counter()
    client.predict(
        prompt="bench", seed=1, randomize_seed=False, width=512, height=512,
        num_inference_steps=1, api_name="/infer",
    )  # fmt: skip
    return time.perf_counter() - start


def through_app(client: Client, model: str) -> float:
    start = time.perf_counter()
    client.predict(
        "bench", model=model, width=512, height=512, num_inference_steps=1, seed=1,
        randomize_seed=False, api_name="/generate",
    )  # fmt: skip
    return time.perf_counter() - start


def main(app_url: str, space_url: str, model: str, runs: int) -> None:
    space = Client(space_url, verbose=False)
    app = Client(app_url, verbose=False, headers=visitor_headers("stock"))
    direct(space)  # warm both paths: Clients built, code loaded
    through_app(app, model)
    times: dict[str, list[float]] = {"direct": [], "app": []}
    for _ in range(runs):
        times["direct"].append(direct(space))
        times["app"].append(through_app(app, model))
    space.close()
    app.close()
    print(json.dumps(times))


if __name__ == "__main__":
    app_url, space_url, model, runs = sys.argv[1:]
    main(app_url, space_url, model, int(runs))
