"""What Space Canvas adds to the upstream's own time, measured on loopback against emulators.

    python bench/benchmark.py           # the full run (minutes); writes docs/PERFORMANCE.md
    python bench/benchmark.py --quick   # few runs: a smoke test of the benchmark itself

Sections: overhead against a direct gradio_client call (the providers' WakingClient, and a
stock gradio_client caller), scaling with simultaneous users (one app process, and two),
the page's time to interactive against a bare Gradio page, start-up, memory and threads
over many generations, and ours against g4f's own SD 3.5 provider (first call and steady
state). Each figure that has a target is printed against it at the end. Everything talks
to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

import providers  # noqa: E402
from tests.app_server import AppProcess, free_port  # noqa: E402
from tests.emulators import start_emulator  # noqa: E402
from tests.helpers import emulator_for, visitor  # noqa: E402

STREAMING = providers.BlackForestLabs_Flux1Dev  # previews: one per step
SINGLE = providers.BlackForestLabs_Flux1Schnell  # no previews
CLIENT_IDLE = 5  # seconds an idle upstream Client is kept, in the memory section's app
STOCK_JOB = 0.5  # seconds: the upstream job of the stock-client comparison
# Targets (docs/PERFORMANCE.md): what the app may add, or a ratio to its reference.
STOCK_OVERHEAD_TARGET = 0.050  # seconds over a stock gradio_client calling the Space
USERS_RATIO_TARGET = 1.5  # 64 users at once against one user's time
PAGE_RATIO_TARGET = 1.2  # the page's time to interactive against a bare Gradio page
TARGETS: list[str] = []  # "figure against target" lines, printed at the end
# The crowd sent straight to the Space asks it for what the app's /generate asks for
# (bench/users.py's INPUTS), in the order the Space's declaration gives its parameters.
DIRECT_VALUES = {
    "prompt": "bench", "seed": 0, "randomize_seed": True, "width": 512, "height": 512,
    "num_inference_steps": 4,
}  # fmt: skip
DIRECT_CROWD = (
    SINGLE.spec.api_name.lstrip("/"),
    [DIRECT_VALUES[name] for name in SINGLE.spec.parameters],
)


def against(what: str, value: str, met: bool, target: str) -> None:
    line = f"- {what}: {value}, target {target}: {'met' if met else 'MISSED'}"
    TARGETS.append(line)
    print(line, flush=True)


# ---- sections ---------------------------------------------------------------------------------


def overhead(app: AppProcess, emulators: dict, runs: int) -> list[str]:
    """Each job shape timed by bench/calls.py, a process of its own: the measuring client
    must not share an interpreter lock with the emulator that serves it."""
    rows = [
        "| job | previews | runs | direct final | app final | app − direct | "
        "direct 1st preview | app 1st preview | app − direct |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for job_seconds in (0.2, 2.0):
        for previews in (0, 4, 28):
            provider = STREAMING if previews else SINGLE
            emulator = emulator_for(emulators, provider)
            emulator.controls.reset()
            emulator.controls.set_latency(job_seconds)
            model = providers.registry.name_of(provider)
            finished = subprocess.run(
                [sys.executable, str(ROOT / "bench" / "calls.py"), app.url, emulator.url,
                 model, str(previews), str(runs)],
                check=True, capture_output=True, text=True, timeout=900,
            )  # fmt: skip
            times = json.loads(finished.stdout)
            row = [f"{job_seconds:g} s", str(previews), str(runs)]
            row += compared(times["direct_final"], times["app_final"])
            if previews:
                row += compared(times["direct_first"], times["app_first"])
            else:
                row += ["–", "–", "–"]
            rows.append("| " + " | ".join(row) + " |")
            print(rows[-1], flush=True)
    return rows


def stock_overhead(app: AppProcess, emulators: dict, runs: int) -> list[str]:
    """What an API user with a stock gradio_client sees (bench/stock_calls.py, a process of
    its own): the same caller straight to the Space, and through the app's `/generate`."""
    emulator = emulator_for(emulators, SINGLE)
    emulator.controls.reset()
    emulator.controls.set_latency(STOCK_JOB)
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stock_calls.py"), app.url, emulator.url,
         providers.registry.name_of(SINGLE), str(runs)],
        check=True, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    times = json.loads(finished.stdout)
    added = median(times["app"]) - median(times["direct"])
    against(
        f"stock gradio_client, {STOCK_JOB:g} s job, app − direct (medians of {runs})",
        ms(added), added <= STOCK_OVERHEAD_TARGET, f"≤ {ms(STOCK_OVERHEAD_TARGET)}",
    )  # fmt: skip
    return [
        "| job | runs | direct final | app final | app − direct |",
        "| --- | --- | --- | --- | --- |",
        f"| {STOCK_JOB:g} s | {runs} | "
        + " | ".join(compared(times["direct"], times["app"]))
        + " |",
    ]


def page_load(runs: int) -> list[str]:
    """The page's time to interactive against a bare Gradio page (bench/page_load.py)."""
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "page_load.py"), str(runs)],
        check=True, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    times = json.loads(finished.stdout)
    app, bare = (median([t["prompt"] for t in times[side]]) for side in ("app", "bare"))
    requests, cpu = (
        {side: median([t[key] for t in times[side]]) for side in ("app", "bare")}
        for key in ("requests", "server_cpu")
    )
    against(
        f"page's time to interactive ÷ a bare Gradio page's (medians of {runs})",
        f"{app / bare:.2f}× ({app:.2f} s against {bare:.2f} s)",
        app / bare <= PAGE_RATIO_TARGET, f"≤ {PAGE_RATIO_TARGET:g}×",
    )  # fmt: skip
    return [
        "| page | runs | prompt box usable after navigation (median) | ÷ bare page "
        "| requests until then | server CPU for them |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| bare Gradio Blocks: one text box, one button | {runs} | {bare:.2f} s | 1.00 "
        f"| {requests['bare']:.0f} | {ms(cpu['bare'])} |",
        f"| Space Canvas | {runs} | {app:.2f} s | {app / bare:.2f} "
        f"| {requests['app']:.0f} | {ms(cpu['app'])} |",
    ]


def gpt4free(runs: int, calls: int = 6) -> list[str]:
    """Ours and g4f's own SD 3.5 provider on the same emulator: each process's first image
    (a fresh process per sample, alternating sides) and the calls after it; wall time, and
    the measuring process's CPU time (steadier than the wall clock on a shared machine)."""
    rows = [
        "| job | processes | g4f first | ours first | ours / g4f | g4f steady | ours steady "
        "| CPU first: g4f, ours | CPU steady: g4f, ours |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for job_seconds in (0.0, 0.5):
        with start_emulator("sd35-large", latency=job_seconds, idle_poll=None) as emulator:
            command = [sys.executable, str(ROOT / "bench" / "g4f_calls.py")]
            # The emulator's own first requests are slow (Gradio warms up): neither side's.
            for side in ("g4f", "ours"):
                subprocess.run([*command, side, emulator.url, "2"], check=True, capture_output=True)
            keys = ("first", "steady", "first_cpu", "steady_cpu")
            times = {side: {key: [] for key in keys} for side in ("g4f", "ours")}
            for _ in range(runs):
                for side, measured in times.items():
                    finished = subprocess.run(
                        [*command, side, emulator.url, str(calls)],
                        check=True, capture_output=True, text=True, timeout=300,
                    )  # fmt: skip
                    result = json.loads(finished.stdout)
                    for key in keys:
                        value = result[key]
                        measured[key] += value if isinstance(value, list) else [value]
        mid = {side: {key: median(v) for key, v in m.items()} for side, m in times.items()}
        g4f, ours = mid["g4f"], mid["ours"]
        row = [f"{job_seconds:g} s", str(runs), ms(g4f["first"]), ms(ours["first"])]
        row += [f"{ours['first'] / g4f['first']:.2f}×", ms(g4f["steady"]), ms(ours["steady"])]
        row += [f"{ms(g4f['first_cpu'])}, {ms(ours['first_cpu'])}"]
        row += [f"{ms(g4f['steady_cpu'])}, {ms(ours['steady_cpu'])}"]
        rows.append("| " + " | ".join(row) + " |")
        print(rows[-1], flush=True)
    return rows


def compared(direct: list[float], through_app: list[float]) -> list[str]:
    """Medians of both sides, and what the app adds."""
    return [
        ms(median(direct)),
        ms(median(through_app)),
        ms(median(through_app) - median(direct)),
    ]


def scaling(apps: list[AppProcess], emulators: dict, users_list: list[int]) -> list[str]:
    """Simultaneous users, each making one image (bench/users.py, in a process of its own
    per app), with the CPU each process spent per image: the 2 cores are shared by all.
    With several app processes the users are shared out among them, as a load balancer
    keeping each visitor on one process would. The same crowd sent straight to the Space
    (its own endpoint, the same image) is the floor this machine sets for any front-end."""
    emulator = emulator_for(emulators, SINGLE)
    rows = [
        "| users | wall time | × one user's | most jobs running at once upstream "
        "| CPU per image: app | emulator | users "
        "| straight to the Space: wall | × one user's | most jobs at once |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    single = single_direct = None
    for users in users_list:
        shares = [users // len(apps) + (i < users % len(apps)) for i in range(len(apps))]
        pids = [app.process.pid for app in apps]
        crowds = [(app.url, share) for app, share in zip(apps, shares, strict=True)]
        wall, most, (app_cpu, emulator_cpu, users_cpu) = crowd_round(emulator, crowds, pids)
        direct, direct_most, _ = crowd_round(emulator, [(emulator.url, users)], pids, DIRECT_CROWD)
        single = single or wall
        single_direct = single_direct or direct
        rows.append(
            f"| {users} | {wall:.2f} s | {wall / single:.2f} | {most} "
            f"| {ms(app_cpu / users)} | {ms(emulator_cpu / users)} | {ms(users_cpu / users)} "
            f"| {direct:.2f} s | {direct / single_direct:.2f} | {direct_most} |"
        )
        print(rows[-1], flush=True)
    if users_list[-1] == 64:
        processes = "one app process" if len(apps) == 1 else f"{len(apps)} app processes"
        against(
            f"64 users at once ÷ one user's time, {processes}",
            f"{wall / single:.2f}× (straight to the Space: {direct / single_direct:.2f}×)",
            wall / single <= USERS_RATIO_TARGET,
            f"≤ {USERS_RATIO_TARGET:g}×",
        )  # fmt: skip
    return rows


def crowd_round(emulator, targets: list[tuple[str, int]], app_pids: list[int], endpoint=None):
    """One timed round of `bench/users.py` crowds (URL, users) against the emulator's 1 s
    job: the round's wall time, the most jobs the emulator ran at once, and the CPU seconds
    of the app processes, this process (the emulators) and the crowds."""
    emulator.controls.reset()
    emulator.controls.set_latency(1.0)
    extra = [endpoint[0], json.dumps(endpoint[1])] if endpoint else []
    crowds = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "users.py"), url, str(users), *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for url, users in targets
        if users
    ]
    try:
        for crowd in crowds:
            crowd.stdout.readline()  # warmed up
        groups = [app_pids, [os.getpid()], [crowd.pid for crowd in crowds]]
        before = [sum(cpu_seconds(pid) for pid in group) for group in groups]
        for crowd in crowds:
            crowd.stdin.write("go\n")
            crowd.stdin.flush()
        # Each crowd times its own round from its go; the round ends with the last.
        wall = max(json.loads(crowd.stdout.readline())["wall"] for crowd in crowds)
        after = [sum(cpu_seconds(pid) for pid in group) for group in groups]
    finally:
        for crowd in crowds:
            crowd.stdin.close()
            crowd.wait(timeout=60)
    cpu = tuple(late - early for early, late in zip(before, after, strict=True))
    return wall, emulator.controls.max_concurrent, cpu


def startup(space_urls: str, runs: int) -> list[str]:
    gradio_import, app_start = [], []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import gradio"], check=True)
        gradio_import.append(time.perf_counter() - start)
        app_start.append(time_to_first_page(space_urls))
    difference = median(app_start) - median(gradio_import)
    return [
        "| measure | median |",
        "| --- | --- |",
        f'| `python -c "import gradio"` | {median(gradio_import):.2f} s |',
        f"| `python app.py` to the first HTTP 200 on `/` | {median(app_start):.2f} s |",
        f"| difference | {difference:.2f} s |",
    ]


def time_to_first_page(space_urls: str) -> float:
    with tempfile.TemporaryDirectory() as workdir:
        port = free_port()
        env = dict(os.environ, SPACE_URLS=space_urls, GRADIO_SERVER_PORT=str(port),
                   SPACE_CANVAS_IMAGES=f"{workdir}/images")  # fmt: skip
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = start + 60
            while time.perf_counter() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                        if r.status == 200:
                            return time.perf_counter() - start
                except OSError:
                    time.sleep(0.02)  # polling a port that is not open yet
            raise RuntimeError("the app did not answer within 60 s")
        finally:
            process.terminate()
            process.wait(timeout=15)


def memory(space_urls: str, workdir: Path, checkpoints: list[int]) -> list[str]:
    """A fresh app: RSS, threads and open files at start, after each number of generations
    in `checkpoints` (8 users at a time), and once its idle upstream Clients are closed."""
    app = AppProcess(space_urls, workdir, SPACE_CANVAS_CLIENT_IDLE=str(CLIENT_IDLE))
    rows = ["| after generations | RSS | threads | open files |", "| --- | --- | --- | --- |"]
    clients = [visitor(app.url) for _ in range(8)]  # 8 visitors, each with its own token
    done = 0
    lock = threading.Lock()

    def one(client: Client) -> None:
        nonlocal done
        client.predict("bench", seed=3, randomize_seed=False, api_name="/generate")
        with lock:
            done += 1

    def row(label: str) -> int:
        rss, threads, files = process_stats(app.process.pid)
        rows.append(f"| {label} | {rss:.0f} MB | {threads} | {files} |")
        print(rows[-1], flush=True)
        return threads

    try:
        started = row("0 (started)")
        for target in checkpoints:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(one, [clients[i % 8] for i in range(target - done)]))
            row(str(done))
        # Idle upstream Clients are closed CLIENT_IDLE s after their last job, by a timer.
        deadline = time.monotonic() + 2 * CLIENT_IDLE  # the reaper needs at most 1.5x
        while process_stats(app.process.pid)[1] > started and time.monotonic() < deadline:
            time.sleep(0.5)  # a benchmark watching a process from outside: nothing to wait on
        row(f"{done}, then {CLIENT_IDLE} s idle")
    finally:
        for client in clients:
            client.close()
        app.stop()
    return rows


# ---- helpers ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_stats(pid: int) -> tuple[float, int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss_mb = int(fields["VmRSS"].split()[0]) / 1024
    return rss_mb, int(fields["Threads"]), len(os.listdir(f"/proc/{pid}/fd"))


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs: check the benchmark")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--sections",
        default="overhead,stock,scaling,scaling2,page,memory,startup,g4f",
        help="comma-separated subset of: overhead, stock (a stock gradio_client caller), "
        "scaling, scaling2 (two app processes), page, memory, startup, g4f",
    )
    args = parser.parse_args()
    runs = 3 if args.quick else 20
    users = [1, 8] if args.quick else [1, 8, 32, 64]
    checkpoints = [10, 40] if args.quick else [10, 100, 250, 500]

    wanted = set(args.sections.split(","))
    base_command = "python bench/benchmark.py" + (" --quick" if args.quick else "")
    command = base_command
    if args.sections != parser.get_default("sections"):
        command += f" --sections {args.sections}"
    notes = ROOT / "docs" / "PERFORMANCE.md"

    def section(key: str, title: str, measure, *arguments) -> None:
        """Run one section and write it to its own block of the notes, with the load
        average around it (the machine may be shared) and its figures against targets."""
        print(f"## {title}", flush=True)
        load_before, targets_before = os.getloadavg()[0], len(TARGETS)
        rows = measure(*arguments)
        load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
        body = f"### {title}\n\n" + "\n".join(rows) + "\n"
        if len(TARGETS) > targets_before:
            body += "\n" + "\n".join(TARGETS[targets_before:]) + "\n"
        print(body, flush=True)
        if not args.no_write:
            write_section(notes, f"benchmark:{key}", body, command, load)

    # An idle app and emulators cost CPU too: started only for the sections that use them.
    with_app = bool(wanted & {"overhead", "stock", "scaling", "scaling2", "memory", "startup"})
    kinds = ("flux-schnell", "flux-dev") if with_app else ()
    emulators = {kind: start_emulator(kind, idle_poll=None) for kind in kinds}
    space_urls = ",".join(
        f"{p.__name__}={emulator_for(emulators, p).url}" for p in (SINGLE, STREAMING) if kinds
    )
    workdir = Path(tempfile.mkdtemp(prefix="space-canvas-bench-"))
    app = AppProcess(space_urls, workdir) if with_app else None
    try:
        if "overhead" in wanted:
            section("overhead", "Overhead", overhead, app, emulators, runs)
        if "stock" in wanted:
            title = "A stock gradio_client caller"
            section("stock", title, stock_overhead, app, emulators, 12)
        if "scaling" in wanted:
            section("scaling", "Scaling", scaling, [app], emulators, users)
        if "scaling2" in wanted:
            second = AppProcess(space_urls, workdir / "second")
            try:
                title = "Scaling, two app processes"
                section("scaling2", title, scaling, [app, second], emulators, users)
            finally:
                second.stop()
        if "memory" in wanted:
            for emulator in emulators.values():
                emulator.controls.reset()
            title = "Memory and threads"
            section("memory", title, memory, space_urls, workdir / "memory", checkpoints)
    finally:
        if app is not None:
            app.stop()
        for emulator in emulators.values():
            emulator.close()
    if "page" in wanted:  # after the app and emulators are gone: the browser needs the cores
        section("page", "Page load", page_load, 5)
    if "startup" in wanted:
        section("startup", "Start-up", startup, space_urls, 3 if args.quick else 7)
    if "g4f" in wanted:
        section("g4f", "Ours and g4f's own SD 3.5 provider", gpt4free, 3 if args.quick else 10)
    print("## Against the targets\n" + "\n".join(TARGETS))


def write_section(
    target: Path, name: str, body: str, command: str, load: str | None = None
) -> None:
    """Replace the block between `<!-- name:begin -->` and `<!-- name:end -->` in `target`,
    keeping the prose around it; the block says which command made it, and when."""
    text = target.read_text() if target.exists() else f"# {target.stem.title()}\n\n"
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    load = load or f"load average {os.getloadavg()[0]:.1f} at the end"
    block = (
        f"{begin}\nMade by `{command}` on {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {load}.\n\n{body}{end}"
    )
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text)
    print(f"written to {target}")


if __name__ == "__main__":
    main()
