"""The page's time to interactive against a bare Gradio page, in one headless chromium.

    python bench/page_load.py [RUNS]    # prints JSON: seconds per navigation, both pages

Both pages run as `python <script>` in processes of their own; navigations alternate
between them in one browser, each in a fresh context (a first visit: nothing cached).
"Interactive" is the moment the prompt box can be typed into: visible and enabled. (Gradio
keeps a heartbeat stream open, so the network never goes idle.)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.benchmark import cpu_seconds  # noqa: E402
from tests.app_server import AppProcess  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
PROMPT = "#prompt textarea"


def time_to_interactive(browser, server: AppProcess) -> dict[str, float]:
    """Seconds to the usable prompt box; the requests made until then, and the server's
    CPU seconds for them (steadier than the wall clock on a shared machine)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        cpu = cpu_seconds(server.process.pid)
        start = time.perf_counter()
        page.goto(server.url, wait_until="commit")
        page.locator(PROMPT).wait_for(state="visible", timeout=60_000)
        enabled = f"() => !document.querySelector({PROMPT!r})?.disabled"
        page.wait_for_function(enabled, timeout=60_000)
        visible = time.perf_counter() - start
        return {
            "prompt": visible,
            "requests": len(requests),
            "server_cpu": cpu_seconds(server.process.pid) - cpu,
        }
    finally:
        context.close()


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        app = AppProcess("", Path(workdir) / "app")
        bare = AppProcess("", Path(workdir) / "bare", script=ROOT / "bench" / "bare_page.py")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for server in (app, bare):  # warm: each server's first page is built
                    time_to_interactive(browser, server)
                times = {"app": [], "bare": []}
                for _ in range(runs):
                    for name, server in (("app", app), ("bare", bare)):
                        times[name].append(time_to_interactive(browser, server))
                browser.close()
        finally:
            app.stop()
            bare.stop()
    print(json.dumps(times))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
