"""Soak: many users for a while against emulators that fail a fifth of the time, with one
greedy client among them.

    python bench/soak.py                       # 64 users for 60 s; writes docs/RELIABILITY.md
    python bench/soak.py --users 8 --seconds 10 --no-write   # a short look

Every user is a visitor of its own (its own x-ip-token, as on a Space). The greedy client is
one visitor keeping `--greedy` requests in flight at once, resubmitting each as it ends:
the app's fair share must refuse its extra requests in words, keep its upstream jobs within
the per-visitor limit, and leave the other users served. Every request must end in an image
or a clear error. The app's RSS, threads, open files and file folder are read at the start
and at the end. Loopback only; it stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402
from PIL import Image  # noqa: E402

import providers  # noqa: E402
from bench.benchmark import process_stats, write_section  # noqa: E402
from tests.app_server import AppProcess  # noqa: E402
from tests.emulators import SPACE_KINDS, start_emulator  # noqa: E402
from tests.helpers import emulator_for, visitor  # noqa: E402

# Per job, the chance of each fault: about a fifth of all jobs fail.
FAULT_MIX = {
    "quota": 0.05,
    "no_gpu": 0.03,
    "generic_error": 0.03,
    "crash_mid_stream": 0.03,
    "not_image": 0.02,
    "truncated_image": 0.02,
    "stall": 0.01,
    "queue_503": 0.005,  # per HTTP request (config, join, downloads), not per job
}
# Words that must never reach a person as the reason for a failure.
UNCLEAR = ("Traceback", "verbose error reporting", "Error raised.", "Exception", "<a ")
MODELS = [providers.registry.name_of(p) for p in providers.registry.providers()]


def folder_size(path: Path) -> int:
    total = 0
    for file in path.rglob("*"):
        with contextlib.suppress(FileNotFoundError):  # pruned while we look
            total += file.stat().st_size if file.is_file() else 0
    return total


def settled_folder_size(path: Path, timeout: float = 10.0) -> int:
    """The folder's size once the app's background prune has finished with it."""
    deadline = time.monotonic() + timeout
    size = folder_size(path)
    while time.monotonic() < deadline:
        time.sleep(0.2)  # watching another process's thread from outside: nothing to wait on
        size, before = folder_size(path), size
        if size == before:
            break
    return size


def reason_of(message: str) -> str:
    """A clear error's reason, without the model's name: for a tally."""
    return message.split(": ", 1)[-1][:70]


GREEDY_TOKEN = "soak-greedy-client"
PER_VISITOR = 4  # the app's default SPACE_CANVAS_PER_VISITOR
BUSY = "being made, the most one visitor may have at once"


def most_at_once(jobs: list) -> int:
    """The most of these upstream jobs that ran at the same time."""
    changes = sorted(
        [(job.started, 1) for job in jobs]
        + [(job.finished, -1) for job in jobs if job.finished is not None]
    )
    running = most = 0
    for _, change in changes:
        running += change
        most = max(most, running)
    return most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--greedy", type=int, default=32, help="greedy requests in flight")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    emulators = {kind: start_emulator(kind, latency=0.5, idle_poll=None) for kind in SPACE_KINDS}
    for index, emulator in enumerate(emulators.values()):
        for fault, chance in FAULT_MIX.items():
            emulator.controls.inject_probability(fault, chance, seed=index * 100 + len(fault))
    space_urls = ",".join(
        f"{p.__name__}={emulator_for(emulators, p).url}" for p in providers.registry.providers()
    )
    workdir = Path(tempfile.mkdtemp(prefix="space-canvas-soak-"))
    app = AppProcess(
        space_urls,
        workdir,
        SPACE_CANVAS_TIMEOUT="8",  # bounds the stalled jobs
        SPACE_CANVAS_FILES_MAX_AGE="20",
        SPACE_CANVAS_CLIENT_IDLE="20",
    )
    files = workdir / "gradio" / "space-canvas"
    outcomes: Counter = Counter()
    latencies: list[float] = []
    unclear: list[str] = []
    lock = threading.Lock()
    clients = [visitor(app.url, f"soak-{n}") for n in range(args.users)]
    greedy_client = Client(app.url, verbose=False, headers={"x-ip-token": GREEDY_TOKEN})
    greedy: Counter = Counter()
    reasons: Counter = Counter()
    # Warm up: one request per model, so the start figures include built upstream Clients.
    for model in MODELS:
        with contextlib.suppress(AppError):
            clients[0].predict("warm up", model=model, api_name="/generate")
    start_stats = (*process_stats(app.process.pid), folder_size(files))

    def user(number: int) -> None:
        rng = random.Random(number)
        client = clients[number]
        stop_at = time.monotonic() + args.seconds
        while time.monotonic() < stop_at:
            model = rng.choice(MODELS)
            began = time.perf_counter()
            try:
                path, _ = client.predict(
                    f"soak {number}", model=model,
                    aspect_ratio=rng.choice(list(providers.ASPECT_RATIOS)),
                    num_inference_steps=4, api_name="/generate",
                )  # fmt: skip
                with Image.open(path) as image:
                    image.verify()
                outcome = "image"
            except AppError as error:
                clear = not any(word in error.message for word in UNCLEAR)
                outcome = "clear error" if clear else "unclear error"
                with lock:
                    reasons[reason_of(error.message)] += 1
                if not clear:
                    with lock:
                        unclear.append(error.message)
            except Exception as error:  # anything else is unexplained
                outcome = f"unexplained: {type(error).__name__}"
                with lock:
                    unclear.append(repr(error))
            with lock:
                outcomes[outcome] += 1
                latencies.append(time.perf_counter() - began)

    def greedy_worker(number: int) -> None:
        rng = random.Random(1000 + number)
        stop_at = time.monotonic() + args.seconds
        while time.monotonic() < stop_at:
            try:
                greedy_client.predict(
                    f"greedy {number}", model=rng.choice(MODELS), num_inference_steps=4,
                    api_name="/generate",
                )  # fmt: skip
                outcome = "image"
            except AppError as error:
                outcome = "refused at once" if BUSY in error.message else "upstream error"
            except Exception as error:
                outcome = f"unexplained: {type(error).__name__}"
            with lock:
                greedy[outcome] += 1

    began = time.perf_counter()
    try:
        with ThreadPoolExecutor(args.users + args.greedy) as pool:
            waits = [pool.submit(greedy_worker, n) for n in range(args.greedy)]
            list(pool.map(user, range(args.users)))
            for wait in waits:
                wait.result()
        wall = time.perf_counter() - began
        greedy_jobs = [
            job
            for emulator in emulators.values()
            for job in emulator.controls.jobs
            if job.headers.get("x-ip-token") == GREEDY_TOKEN
        ]
        for client in [*clients, greedy_client]:
            client.close()
        # Files and idle upstream Clients are kept 20 s: wait that out, then read the figures.
        time.sleep(21)
        clients[0] = visitor(app.url, "after")
        with contextlib.suppress(AppError):
            clients[0].predict("after", api_name="/generate")  # triggers a prune
        clients[0].close()
        end_stats = (*process_stats(app.process.pid), settled_folder_size(files))
        leaked = [line for line in app.log().splitlines() if "hf_machine_owner_token" in line]
    finally:
        app.stop()
        for emulator in emulators.values():
            emulator.close()

    total = sum(outcomes.values())
    quantiles = statistics.quantiles(latencies, n=20)
    rows = [
        f"{args.users} users for {args.seconds:g} s ({wall:.0f} s wall), "
        f"upstream jobs of 0.5 s, faults: "
        + ", ".join(f"{k} {v:.1%}" for k, v in FAULT_MIX.items()),
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| requests | {total} ({total / wall:.1f}/s) |",
        *(f"| {name} | {count} ({count / total:.0%}) |" for name, count in outcomes.most_common()),
        f"| latency p50 / p95 | {statistics.median(latencies):.2f} s / {quantiles[18]:.2f} s |",
        "",
        "The most frequent clear errors:",
        "",
        *(f"- {count} × {reason}" for reason, count in reasons.most_common(6)),
        "",
        f"The greedy client (one visitor, {args.greedy} requests in flight at once, each "
        "resubmitted as it ended; not counted above):",
        "",
        "| greedy client | value |",
        "| --- | --- |",
        f"| requests | {sum(greedy.values())} |",
        *(f"| {name} | {count} |" for name, count in greedy.most_common()),
        f"| its upstream jobs | {len(greedy_jobs)}, at most {most_at_once(greedy_jobs)} at once "
        f"(limit {PER_VISITOR}) |",
        "",
        "| app process | start | end |",
        "| --- | --- | --- |",
        f"| RSS | {start_stats[0]:.0f} MB | {end_stats[0]:.0f} MB |",
        f"| threads | {start_stats[1]} | {end_stats[1]} |",
        f"| open files | {start_stats[2]} | {end_stats[2]} |",
        f"| file folder | {start_stats[3] / 2**20:.1f} MiB | {end_stats[3] / 2**20:.1f} MiB |",
        "",
        f"Unclear or unexplained failures: {len(unclear)}. Token in the app's log: "
        f"{'yes' if leaked else 'no'}.",
    ]
    for message in unclear[:5]:
        rows.append(f"- `{message[:200]}`")
    report = "\n".join(rows)
    print(report)
    if not args.no_write:
        command = "python bench/soak.py" + (
            ""
            if (args.users, args.seconds) == (64, 60)
            else f" --users {args.users} --seconds {args.seconds:g}"
        )
        write_section(ROOT / "docs" / "RELIABILITY.md", "soak", report + "\n", command)


if __name__ == "__main__":
    main()
