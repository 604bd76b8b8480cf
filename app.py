"""Space Canvas: make images with the free image-generation Spaces on Hugging Face.

The entry point: the app's settings and files, the page composed from its parts (`ui/`), and
the launch. Models and their controls come from `canvas.models`; a generation runs in
`canvas.generation`; upstream Spaces live in `providers`.
Run `python app.py`, or `gradio app.py` to reload on edits.
"""

from __future__ import annotations

import os
from pathlib import Path

# Before Gradio is imported: start-up must make no network call (usage analytics would).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import logging

import gradio as gr
from starlette.middleware import Middleware

import providers
from canvas.fair_share import FairShare
from canvas.files import ImageFolder
from canvas.frontend_files import FrontendFiles
from canvas.http_guard import HttpGuard
from canvas.settings import Settings
from ui import compare, load_page_in_one_event, single, tools
from ui.generations import Generations
from ui.i18n import I18N, t

ASSETS = Path(__file__).parent / "assets"
SETTINGS = Settings.from_environment()
# The app's files live inside Gradio's cache, which Gradio serves without copying them;
# the folder is pruned by age and total size.
FILES = ImageFolder(
    SETTINGS.files_dir or Path(gr.utils.get_upload_folder()) / "space-canvas",
    max_bytes=SETTINGS.files_max_mb * 1024 * 1024,
    max_age=SETTINGS.files_max_age,
)
IMAGES = FILES.path / "images"
providers.RUNTIME.configure(
    download_dir=FILES.path / "downloads",
    client_idle_seconds=SETTINGS.client_idle,
    # No single wait (config, queue join, a silent stream) may outlast a whole job.
    timeouts=providers.Timeouts.for_jobs_of(SETTINGS.job_timeout),
)
GENERATIONS = Generations(
    settings=SETTINGS,
    files=FILES,
    output_dir=IMAGES,
    fair_share=FairShare(per_visitor=SETTINGS.per_visitor),
)
# Expected failures are logged on one line each (ui.generations.refusal).
logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("space_canvas").setLevel(logging.INFO)

with gr.Blocks(title="Space Canvas", delete_cache=(3600, 24 * 3600)) as demo:
    history = gr.State([])  # the visitor's images, newest first (ui.history keeps them)
    gr.Markdown(t("header"), elem_id="header")
    with gr.Tabs():
        with gr.Tab(t("create_tab"), id="create"):
            create = single.build(GENERATIONS, history, login=SETTINGS.login)
        with gr.Tab(t("compare_tab"), id="compare"):
            # Its images join the visitor's gallery, and its quota waits the quota note, on
            # the Create tab.
            compare.build(GENERATIONS, history, create.gallery.gallery, create.quota.retry_at)
    load_page_in_one_event(demo)  # the parts' page-load steps, one request per first view

tools.return_every_output()
demo.queue(
    max_size=SETTINGS.queue_size,
    default_concurrency_limit=SETTINGS.concurrency,
    # Off a Space Gradio lets `/gradio_api/run/<endpoint>` call a handler directly, past the
    # queue and every concurrency limit: one client ran 80 upstream jobs at a limit of 64.
    api_open=False,
)

THEME = gr.themes.Soft(
    primary_hue="indigo",
    # System fonts: a theme's web fonts would be fetched from the internet on every load.
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)


def launch_options() -> dict:
    """Options for `demo.launch()`, shared by `python app.py` and anything embedding it."""
    return {
        # Gradio's queue runs at most `max_threads` events at once, whatever their
        # concurrency_limit: its default of 40 would cap generations below the setting.
        "max_threads": max(40, SETTINGS.concurrency),
        "theme": THEME,
        "css_paths": [ASSETS / "style.css"],
        "favicon_path": ASSETS / "favicon.png",
        "mcp_server": SETTINGS.mcp,
        # What a public Space does not need: browser-kept run history (the next person at a
        # shared computer would see every prompt and image), public traffic monitoring,
        # uploads and resized icons (HttpGuard), direct REST calls (queue(api_open=False)).
        "run_history": False,
        "enable_monitoring": False,
        "pwa": False,
        "app_kwargs": {
            "middleware": [
                Middleware(FrontendFiles),  # Gradio's JS and CSS from memory, cached for good
                Middleware(
                    HttpGuard,
                    parameters={
                        "generate": single.PARAMETERS,
                        "stream": single.PARAMETERS,
                        "compare": compare.PARAMETERS,
                    },
                ),
            ]
        },
        "i18n": I18N,  # the page's text in the browser's language
        "server_name": os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        "server_port": int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    }


if __name__ == "__main__":
    demo.launch(**launch_options())
