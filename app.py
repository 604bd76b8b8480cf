"""Space Canvas: make images with the free image-generation Spaces on Hugging Face.

The page only: the layout, then the events. Models and their controls come from
`canvas.models`; a generation runs in `canvas.generation`; upstream Spaces live in `providers`.
Run `python app.py`, or `gradio app.py` to reload on edits.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
from pathlib import Path

# Before Gradio is imported: start-up must make no network call (usage analytics would).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr

import providers
from canvas import generation, models
from canvas.files import ImageFolder
from canvas.generation import ImageRecord, Request, Visitor
from canvas.settings import Settings
from providers import (
    ASPECT_RATIOS,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    BadRequestError,
    ResponseError,
)

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
    download_dir=FILES.path / "downloads", client_idle_seconds=SETTINGS.client_idle
)
DEFAULT = models.controls(models.default_model())
ALL_CONTROLS = models.all_controls()
# The API's sliders span every model's range; each model's own range is checked per call.
STEPS = models.union_range([c.steps for c in ALL_CONTROLS], DEFAULT.steps.default)
_GUIDED = [c.guidance for c in ALL_CONTROLS if c.guidance is not None]
GUIDANCE = models.union_range(_GUIDED, _GUIDED[0].default)
EXAMPLES = [
    "A lighthouse on a basalt cliff at dusk, oil painting, warm light",
    "Macro photo of a dew-covered fern unfurling, soft morning light",
    "Isometric cutaway of a tiny bakery, pastel colours, clean lines",
    "A red fox curled up in fresh snow, wildlife photography",
]


# ---- text for the page: anything from a person or an upstream is escaped, never markup ----

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def plain(text: str) -> str:
    """Text shown verbatim inside Markdown: no HTML, no Markdown syntax."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", no_markup(text))


def no_markup(text: str) -> str:
    """Text for places that render HTML (error pop-ups): shown as typed, never as markup."""
    return html.escape(text, quote=False)


def status_line(text: str, *, error: bool = False) -> str:
    return f"{'⚠️ ' if error else ''}{plain(text)}"


def model_note(controls: models.ModelControls) -> str:
    return plain(controls.description)


def size_note(model: str, aspect_ratio: str, width, height) -> str:
    size = models.size_for(model, aspect_ratio, width or None, height or None)
    if size is None:
        return "Size: check width and height (32 to 4096)."
    return f"Size on this model: {size[0]} × {size[1]}"


def gallery_items(history: list[ImageRecord]) -> list:
    return [(record.path, record.caption) for record in history]


# The live preview is shown and hidden once per generation: Gradio rebuilds a component, and
# its API schema, for every update that changes a property such as `visible` (about 10 ms),
# while a plain value costs a fraction of that. The previews in between are plain values.
HIDDEN = gr.update(value=None, visible=False)


def hidden(previewing: bool):
    """The live preview's update at the end of a generation: hide it if it was shown."""
    return HIDDEN if previewing else gr.skip()


def details(record: ImageRecord) -> str:
    return f"{record.parameters.to_text()}\n\nFile: {Path(record.path).name}"


def visitor_of(request: gr.Request | None, oauth_token: gr.OAuthToken | None) -> Visitor:
    headers = getattr(request, "headers", None) or {}
    return Visitor(
        ip_token=headers.get("x-ip-token") or None,
        hf_token=oauth_token.token if oauth_token is not None else None,
    )


def request_of(
    prompt, negative_prompt, model, aspect_ratio, width, height, steps, guidance, seed, randomize
) -> Request:
    request = Request(
        prompt=prompt if prompt is not None else "",
        model=model,
        negative_prompt=negative_prompt or "",
        aspect_ratio=aspect_ratio,
        width=width or None,  # 0 or empty: from the aspect ratio
        height=height or None,
        num_inference_steps=steps,
        guidance_scale=guidance,
        seed=seed,
        randomize_seed=randomize,
    )
    try:
        generation.resolve(request)  # every check, before any upstream call
    except BadRequestError as error:
        raise gr.Error(no_markup(error.message), title="Please check your input") from None
    return request


def upstream_error(error: ResponseError) -> gr.Error:
    return gr.Error(no_markup(error.message), title="The Space could not make this image")


# ---- event handlers ----


def on_model(model: str, aspect_ratio: str, width, height):
    try:
        c = models.controls(model)
    except BadRequestError as error:  # a name typed into the box: say so, change nothing
        return gr.skip(), gr.skip(), gr.skip(), status_line(error.message, error=True), gr.skip()
    guidance = c.guidance or GUIDANCE
    return (
        gr.update(visible=c.takes_negative_prompt),
        gr.update(minimum=c.steps.minimum, maximum=c.steps.maximum, value=c.steps.default),
        gr.update(
            visible=c.guidance is not None,
            minimum=guidance.minimum,
            maximum=guidance.maximum,
            value=guidance.default,
        ),
        model_note(c),
        size_note(model, aspect_ratio, width, height),
    )


async def frames(
    job: Request,
    request: gr.Request,
    oauth_token: gr.OAuthToken | None,
    *,
    previews: bool = True,
):
    """One generation's frames, with this app's settings and this visitor's identity."""
    try:
        async for frame in generation.generate(
            job,
            visitor_of(request, oauth_token),
            output_dir=IMAGES,
            fallback=SETTINGS.fallback,
            timeout=SETTINGS.job_timeout,
            previews=previews,
        ):
            yield frame
    finally:
        FILES.maybe_prune_in_background()


async def on_generate(
    prompt: str,
    negative_prompt: str,
    model: str,
    aspect_ratio: str,
    width: float | None,
    height: float | None,
    num_inference_steps: float,
    guidance_scale: float,
    seed: float,
    randomize_seed: bool,
    history: list[ImageRecord],
    request: gr.Request,
    oauth_token: gr.OAuthToken | None = None,
):
    """Stream previews into the live preview, then put the final image at the top of the
    gallery. Previews go to their own component: each gallery update is postprocessed whole
    (every item's path checked), which per preview would cost more than the preview."""
    previewing = False  # whether the live preview is shown
    job = request_of(
        prompt, negative_prompt, model, aspect_ratio, width, height,
        num_inference_steps, guidance_scale, seed, randomize_seed,
    )  # fmt: skip
    history = list(history or [])
    try:
        async for frame in frames(job, request, oauth_token):
            if frame.record is not None:
                history = [frame.record, *history][: SETTINGS.history_size]
                yield hidden(previewing), gallery_items(history), status_line(frame.status), history
            elif frame.preview is not None:
                shown = gr.update(value=frame.preview, visible=True)
                preview = frame.preview if previewing else shown
                previewing = True
                yield preview, gr.skip(), status_line(frame.status), gr.skip()
            else:
                yield gr.skip(), gr.skip(), status_line(frame.status), gr.skip()
    except ResponseError as error:
        yield hidden(previewing), gr.skip(), status_line(error.message, error=True), gr.skip()
        raise upstream_error(error) from None


async def on_generate_api(
    prompt: str,
    negative_prompt: str,
    model: str,
    aspect_ratio: str,
    width: float | None,
    height: float | None,
    num_inference_steps: float,
    guidance_scale: float,
    seed: float,
    randomize_seed: bool,
    request: gr.Request,
    oauth_token: gr.OAuthToken | None = None,
):
    """Make one image. Returns the PNG (with its parameters) and the seed used."""
    job = request_of(
        prompt, negative_prompt, model, aspect_ratio, width, height,
        num_inference_steps, guidance_scale, seed, randomize_seed,
    )  # fmt: skip
    try:
        # No previews: the caller would never see them, so they are not even downloaded.
        async with contextlib.aclosing(frames(job, request, oauth_token, previews=False)) as stream:
            async for frame in stream:
                if frame.record is not None:
                    return frame.record.path, frame.record.parameters.seed
    except ResponseError as error:
        raise upstream_error(error) from None
    raise gr.Error("The Space finished without an image.")


def on_stop():
    return HIDDEN, status_line("Stopped.")


def on_select(history: list[ImageRecord], event: gr.SelectData):
    record = _record_for(history, event)
    if record is None:  # not an image of this session's history: nothing to reuse
        return "", None, gr.update(interactive=False), gr.skip()
    return details(record), record.id, gr.update(interactive=True), gr.update(open=True)


def on_reuse(selected: str | None, history: list[ImageRecord]):
    record = next((r for r in history or [] if r.id == selected), None)
    if record is None:
        raise gr.Error("Select an image in the gallery first.")
    p = record.parameters
    c = models.controls(record.model)
    guidance = c.guidance or GUIDANCE
    # A preset that makes this size on this model keeps the aspect ratio control in charge;
    # otherwise the size is set explicitly.
    ratio = next(
        (
            r
            for r in ASPECT_RATIOS
            if models.size_for(record.model, r, None, None) == (p.width, p.height)
        ),
        None,
    )
    width, height = (0, 0) if ratio else (p.width, p.height)
    return (
        p.prompt,
        gr.update(value=p.negative_prompt, visible=c.takes_negative_prompt),
        record.model,
        ratio or gr.skip(),
        width,
        height,
        gr.update(minimum=c.steps.minimum, maximum=c.steps.maximum, value=p.steps),
        gr.update(
            visible=c.guidance is not None,
            minimum=guidance.minimum,
            maximum=guidance.maximum,
            value=p.guidance_scale if p.guidance_scale is not None else guidance.default,
        ),
        p.seed,
        False,
        model_note(c),
        size_note(record.model, ratio or "1:1", width, height),
    )


def _record_for(history: list[ImageRecord], event: gr.SelectData) -> ImageRecord | None:
    """The record behind a clicked gallery item, found by file name: the click may be about
    a gallery that an arriving image has since shifted."""
    value = event.value or {}
    image = value.get("image") if isinstance(value, dict) else None
    names = (
        {Path(str(image.get(key) or "")).name for key in ("orig_name", "path")} if image else set()
    )
    return next((r for r in history or [] if Path(r.path).name in names), None)


# ---- the page ----

with gr.Blocks(title="Space Canvas", delete_cache=(3600, 24 * 3600)) as demo:
    history = gr.State([])  # this browser session's images, newest first
    selected = gr.State(None)  # id of the image selected in the gallery

    gr.Markdown(
        "# Space Canvas\nMake images with the free image Spaces on Hugging Face. "
        "Type a prompt, pick a model, press **Generate**.",
        elem_id="header",
    )
    with gr.Row(equal_height=False, elem_id="workspace"):
        with gr.Column(scale=2, min_width=300):
            prompt = gr.Textbox(
                label="Prompt",
                placeholder="Describe the image, then press Enter",
                lines=1,  # Enter submits only a one-line box; it still grows to six
                max_lines=6,
                max_length=MAX_PROMPT_CHARS,
                autofocus=True,
                elem_id="prompt",
            )
            with gr.Row():
                generate_button = gr.Button(
                    "Generate", variant="primary", scale=3, elem_id="generate"
                )
                stop_button = gr.Button("Stop", variant="stop", scale=1, elem_id="stop")
            # Right under the buttons: on a phone the gallery is a screen further down.
            status = gr.Markdown("", elem_id="status")
            model = gr.Dropdown(
                choices=models.choices(),
                value=DEFAULT.name,
                label="Model",
                # Aliases (e.g. "sd-3.5") pass to the registry, whose error lists the names.
                allow_custom_value=True,
                elem_id="model",
            )
            model_info = gr.Markdown(model_note(DEFAULT), elem_classes="note")
            aspect_ratio = gr.Dropdown(
                choices=list(ASPECT_RATIOS), value="1:1", label="Aspect ratio"
            )
            with gr.Accordion("Advanced", open=False):
                negative_prompt = gr.Textbox(
                    "",
                    label="Negative prompt",
                    placeholder="What to leave out",
                    max_length=MAX_PROMPT_CHARS,
                    visible=DEFAULT.takes_negative_prompt,
                    elem_id="negative-prompt",
                )
                with gr.Row():
                    # 0: from the aspect ratio (a value, so API callers may leave it out).
                    width = gr.Number(label="Width", value=0, precision=0,
                                      info="0 = from aspect ratio")  # fmt: skip
                    height = gr.Number(label="Height", value=0, precision=0,
                                       info="0 = from aspect ratio")  # fmt: skip
                size_info = gr.Markdown(size_note(DEFAULT.name, "1:1", 0, 0), elem_classes="note")
                steps = gr.Slider(
                    STEPS.minimum, STEPS.maximum, value=DEFAULT.steps.default,
                    step=STEPS.step, label="Steps", elem_id="steps",
                )  # fmt: skip
                guidance = gr.Slider(
                    GUIDANCE.minimum, GUIDANCE.maximum, value=GUIDANCE.default,
                    step=GUIDANCE.step, label="Guidance", visible=DEFAULT.guidance is not None,
                    elem_id="guidance",
                )  # fmt: skip
                with gr.Row():
                    seed = gr.Number(label="Seed", value=0, precision=0, minimum=0,
                                     maximum=MAX_SEED, elem_id="seed")  # fmt: skip
                    randomize_seed = gr.Checkbox(
                        label="Random seed", value=True, elem_id="random-seed"
                    )
            if SETTINGS.login:
                gr.LoginButton("Sign in with Hugging Face for more GPU quota")
            gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[prompt], label="Try one")
        with gr.Column(scale=3, min_width=300):
            live_preview = gr.Image(
                label="Preview",
                visible=False,  # shown while a streaming model sends previews
                interactive=False,
                buttons=["fullscreen"],
                elem_id="live-preview",
            )
            gallery = gr.Gallery(
                label="Your images",
                columns=2,
                height="auto",
                object_fit="contain",
                buttons=["download", "fullscreen"],
                elem_id="gallery",
            )
            with gr.Accordion("Selected image", open=False) as selected_panel:
                parameters = gr.Textbox(
                    label="Parameters", lines=4, interactive=False, buttons=["copy"],
                    placeholder="Click an image to see how it was made",
                    elem_id="parameters",
                )  # fmt: skip
                reuse_button = gr.Button("Reuse these settings", interactive=False, elem_id="reuse")

    # Outputs of the API endpoint only: never shown.
    api_image = gr.Image(type="filepath", format="png", visible=False)
    api_seed = gr.Number(precision=0, visible=False)

    # ---- events ----
    request_inputs = [
        prompt, negative_prompt, model, aspect_ratio, width, height, steps, guidance, seed,
        randomize_seed,
    ]  # fmt: skip
    generating = gr.on(
        [generate_button.click, prompt.submit],
        on_generate,
        inputs=[*request_inputs, history],
        outputs=[live_preview, gallery, status, history],
        concurrency_limit=SETTINGS.concurrency,
        concurrency_id="generate",
        show_progress="minimal",
        show_progress_on=[gallery],  # not over the status line, which says it in words
        # Callable (tests watch its stream of gallery updates), not in the API docs:
        # `/generate` is the documented endpoint.
        api_visibility="undocumented",
        api_name="stream",
    )
    stop_button.click(
        on_stop,
        outputs=[live_preview, status],
        cancels=[generating],
        # Through the queue, so "Stopped." reaches the page after the stopped event's last
        # frames, which travel the same stream; not bound by the generations' limit.
        concurrency_limit=None,
        api_visibility="private",
    )
    gr.on(
        [],  # no trigger on the page: an API endpoint with named parameters
        on_generate_api,
        inputs=request_inputs,
        outputs=[api_image, api_seed],
        api_name="generate",
        # Raw values reach our checks, whose errors name the field; Gradio's own range
        # checks would say "Value 60 is greater than maximum value 50." and not which.
        preprocess=False,
        concurrency_limit=SETTINGS.concurrency,
        concurrency_id="generate",
    )
    model.input(
        on_model,
        inputs=[model, aspect_ratio, width, height],
        outputs=[negative_prompt, steps, guidance, model_info, size_info],
        api_visibility="private",
        queue=False,
    )
    gr.on(
        [aspect_ratio.change, width.change, height.change],
        size_note,
        inputs=[model, aspect_ratio, width, height],
        outputs=[size_info],
        api_visibility="private",
        queue=False,
    )
    gallery.select(
        on_select,
        inputs=[history],
        outputs=[parameters, selected, reuse_button, selected_panel],
        api_visibility="private",
        queue=False,
    )
    reuse_button.click(
        on_reuse,
        inputs=[selected, history],
        outputs=[
            prompt, negative_prompt, model, aspect_ratio, width, height, steps, guidance, seed,
            randomize_seed, model_info, size_info,
        ],
        api_visibility="private",
        queue=False,
    )  # fmt: skip

demo.queue(max_size=SETTINGS.queue_size, default_concurrency_limit=SETTINGS.concurrency)

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
        "server_name": os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        "server_port": int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    }


if __name__ == "__main__":
    demo.launch(**launch_options())
