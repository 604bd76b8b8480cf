"""Comparing four models at once against each model alone, on loopback against emulators.

    python bench/compare.py            # 3 runs of each; writes its section of docs/PERFORMANCE.md
    python bench/compare.py --quick    # 2 runs: a smoke test of the benchmark itself

Each emulator takes its own time per job (the slowest FLUX.1 [dev], with a preview per step).
"Alone" is one model through the app (`/generate`, or `/stream` with previews as the page
gets them); "compared" is all four in one call (`/compare`, or `/compare_stream`). The cells
run at once, so a compare should take the slowest model's own time, plus at most 10 %.
Everything talks to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import providers  # noqa: E402
from bench.benchmark import write_section  # noqa: E402
from canvas import models  # noqa: E402
from tests.app_server import AppProcess  # noqa: E402
from tests.emulators import start_emulator  # noqa: E402
from tests.helpers import emulator_for, visitor  # noqa: E402

# Seconds one job takes upstream, per model: different, so the slowest is clear.
LATENCY = {
    providers.BlackForestLabs_Flux1Schnell: 2.0,
    providers.StabilityAI_SD35LargeTurbo: 3.0,
    providers.StabilityAI_SD35Large: 5.0,
    providers.BlackForestLabs_Flux1Dev: 6.0,  # 28 steps, a preview each
}
MODELS = [providers.registry.name_of(p) for p in LATENCY]


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def measure(client, runs: int, *, page: bool) -> tuple[dict[str, float], float]:
    """Median seconds of each model alone, and of the four compared, over `runs`."""

    def alone(model: str) -> None:
        if page:  # the page's event: previews streamed, as a browser gets them
            c = models.controls(model)
            guidance = c.guidance.default if c.guidance else 0
            args = ("a fox", "", model, "1:1", 0, 0, c.steps.default, guidance, 0, True, [])
            client.submit(*args, api_name="/stream").result(timeout=300)
        else:
            client.predict(prompt="a fox", model=model, api_name="/generate")

    def compared() -> None:
        if page:
            args = ("a fox", MODELS, 1, "", "1:1", 0, True, [])
            client.submit(*args, api_name="/compare_stream").result(timeout=300)
        else:
            _images, results = client.predict(prompt="a fox", models=MODELS, api_name="/compare")
            assert all(r["error"] is None for r in results), results

    for model in MODELS:  # warm-up: upstream Clients built, code paths loaded
        alone(model)
    compared()
    own = {m: statistics.median(timed(lambda m=m: alone(m)) for _ in range(runs)) for m in MODELS}
    together = statistics.median(timed(compared) for _ in range(runs))
    return own, together


def measured(url: str, runs: int, *, page: bool) -> tuple[dict[str, float], float]:
    """`measure` in a process of its own: the measuring client must not share an interpreter
    lock with the emulators that serve it."""
    command = [sys.executable, __file__, "--measure", url, "--runs", str(runs)]
    finished = subprocess.run(
        [*command, *(["--page"] if page else [])],
        capture_output=True, text=True, timeout=1800, check=True,
    )  # fmt: skip
    own, together = json.loads(finished.stdout.strip().splitlines()[-1])
    return own, together


def report(rows: list[tuple[str, dict[str, float], float]], runs: int) -> str:
    lines = [
        "| path | " + " | ".join(f"{m} alone" for m in MODELS) + " | four compared | "
        "compared ÷ slowest alone |",
        "| --- | " + " | ".join("---" for _ in MODELS) + " | --- | --- |",
    ]
    for path, own, together in rows:
        slowest = max(own.values())
        cells = " | ".join(f"{own[m]:.2f} s" for m in MODELS)
        lines.append(f"| {path} | {cells} | {together:.2f} s | {together / slowest:.2f} |")
    latency = ", ".join(f"{providers.registry.name_of(p)} {s:g} s" for p, s in LATENCY.items())
    return (
        f"Medians of {runs} runs each, after a warm-up. Upstream time per job: {latency}.\n\n"
        + "\n".join(lines)
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs: check the benchmark")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--page", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the measuring process (see `measured`)
        client = visitor(args.measure)
        try:
            print(json.dumps(measure(client, args.runs, page=args.page)))
        finally:
            client.close()
        return
    runs = 2 if args.quick else 3
    kinds = ("flux-schnell", "sd35-large-turbo", "sd35-large", "flux-dev")
    emulators = {kind: start_emulator(kind, idle_poll=None) for kind in kinds}
    for provider, seconds in LATENCY.items():
        emulator_for(emulators, provider).controls.set_latency(seconds)
    space_urls = ",".join(f"{p.__name__}={emulator_for(emulators, p).url}" for p in LATENCY)
    app = AppProcess(space_urls, Path(tempfile.mkdtemp(prefix="space-canvas-compare-")))
    try:
        rows = [
            ("API: `/generate` alone, `/compare`", *measured(app.url, runs, page=False)),
            ("page: `/stream` alone, `/compare_stream`", *measured(app.url, runs, page=True)),
        ]
    finally:
        app.stop()
        for emulator in emulators.values():
            emulator.close()
    body = "### Comparing four models\n\n" + report(rows, runs)
    print(body)
    if not args.no_write:
        command = "python bench/compare.py" + (" --quick" if args.quick else "")
        write_section(ROOT / "docs" / "PERFORMANCE.md", "compare", body, command)


if __name__ == "__main__":
    main()
