"""One image: the form, the live preview, Generate and Stop, and the `/generate` API endpoint.

The form on the left, with the visitor's quota estimate (`quota`); on the right the live
preview above the visitor's gallery (`gallery`, kept by `history`), whose Reuse button fills
this form, as does a link's query when the page loads.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import gradio as gr

from canvas import history as history_entries
from canvas import links, models
from canvas.generation import ImageRecord
from providers import (
    ASPECT_RATIOS,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    BadRequestError,
    ResponseError,
)

from . import gallery as gallery_part
from . import history as history_part
from . import i18n, into_view, on_page_load, tools
from . import quota as quota_part
from .generations import (
    Generations,
    checked_request,
    refusal,
    request_of,
    upstream_error,
)
from .i18n import ENGLISH, error_text, frame_text, language_of, say, t
from .text import current_model_note, model_note, size_note, status_line

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
# The parameters of /generate and /stream, in order (for a raw REST call's count check).
PARAMETERS = (
    "prompt", "negative_prompt", "model", "aspect_ratio", "width", "height",
    "num_inference_steps", "guidance_scale", "seed", "randomize_seed",
)  # fmt: skip

# The live preview is shown and hidden once per generation: Gradio rebuilds a component, and
# its API schema, for every update that changes a property such as `visible` (about 10 ms),
# while a plain value costs a fraction of that. The previews in between are plain values.
HIDDEN = gr.update(value=None, visible=False)


def hidden(previewing: bool):
    """The live preview's update at the end of a generation: hide it if it was shown."""
    return HIDDEN if previewing else gr.skip()


@dataclass(frozen=True)
class Single:
    prompt: gr.Textbox
    status: gr.Markdown
    live_preview: gr.Image
    gallery: gallery_part.Gallery
    quota: quota_part.Quota  # its wait is fed by every tab that meets a quota error
    generating: gr.events.Dependency  # the Generate event, for anything that cancels it


# ---- event handlers ----


def on_model(model: str, aspect_ratio: str, width, height, request: gr.Request):
    language = language_of(request)
    try:
        c = models.controls(model)
    except BadRequestError as error:  # a name typed into the box: say so, change nothing
        note = status_line(error_text(error, language), error=True)
        return gr.skip(), gr.skip(), gr.skip(), note, gr.skip()
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
        model_note(c, language),
        size_note(model, aspect_ratio, width, height, language),
    )


def on_size(model: str, aspect_ratio: str, width, height, request: gr.Request):
    return size_note(model, aspect_ratio, width, height, language_of(request))


def generate_handler(generations: Generations):
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
        gallery. Previews go to their own component: each gallery update is postprocessed
        whole (every item's path checked), which per preview would cost more than the
        preview."""
        previewing = False  # whether the live preview is shown
        language = language_of(request)
        try:
            job = checked_request(
                prompt, negative_prompt, model, aspect_ratio, width, height,
                num_inference_steps, guidance_scale, seed, randomize_seed,
            )  # fmt: skip
        except BadRequestError as error:
            # The status line says it too, replacing an earlier run's (the gallery's "Error"
            # badge, which would sit over earlier images, is hidden by the style sheet).
            status = status_line(error_text(error, language), error=True)
            yield gr.skip(), gr.skip(), status, gr.skip(), gr.skip()
            raise refusal(
                error, title="input_error_title", request=request, language=language
            ) from None
        history = list(history or [])
        try:
            frames = generations.frames(job, request, oauth_token, language=language)
            async for frame in frames:
                status = status_line(frame_text(frame, language))
                if frame.record is not None:
                    cap = generations.settings.history_size
                    history = history_entries.with_image(history, frame.record, cap)
                    gallery = gallery_part.items(history, language)
                    yield hidden(previewing), gallery, status, history, gr.skip()
                elif frame.preview is not None:
                    shown = gr.update(value=frame.preview, visible=True)
                    preview = frame.preview if previewing else shown
                    previewing = True
                    yield preview, gr.skip(), status, gr.skip(), gr.skip()
                else:
                    yield gr.skip(), gr.skip(), status, gr.skip(), gr.skip()
        except ResponseError as error:
            status = status_line(error_text(error, language), error=True)
            yield hidden(previewing), gr.skip(), status, gr.skip(), quota_part.retry_time(error)
            raise upstream_error(error, request, language) from None

    return on_generate


def generate_api_handler(generations: Generations):
    async def on_generate_api(
        prompt: str,
        negative_prompt: str = "",
        model: str = DEFAULT.name,
        aspect_ratio: str = "1:1",
        width: float | None = None,
        height: float | None = None,
        num_inference_steps: float | None = None,
        guidance_scale: float | None = None,
        seed: float = 0,
        randomize_seed: bool = True,
        request: gr.Request = None,  # type: ignore[assignment]  # Gradio fills it in
        oauth_token: gr.OAuthToken | None = None,
    ):
        """Make one image. Returns the PNG (with its parameters) and the seed used.
        A parameter left out (or null) takes the chosen model's own default."""
        job = request_of(
            prompt, negative_prompt, model, aspect_ratio, width, height,
            num_inference_steps, guidance_scale, seed, randomize_seed, visitor=request,
        )  # fmt: skip
        try:
            # No previews: the caller would never see them, so they are not even downloaded.
            frames = generations.frames(job, request, oauth_token, previews=False)
            async with contextlib.aclosing(frames) as stream:
                async for frame in stream:
                    if frame.record is not None:
                        return frame.record.path, frame.record.parameters.seed
        except ResponseError as error:
            raise upstream_error(error, request) from None
        raise gr.Error(say("no_image", ENGLISH))

    # The MCP tool's name and parameter descriptions come from the handler.
    return tools.document(
        on_generate_api, name="generate_image", parameters=tools.generate_parameters()
    )


def on_stop(request: gr.Request):
    return HIDDEN, status_line(say("stopped", language_of(request)))


def filled_form(
    model: str,
    aspect_ratio: str,
    size: tuple[int, int] | None,
    language: str,
    *,
    prompt: str | None = None,
    negative_prompt: str | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    seed: int | None = None,
) -> tuple:
    """Updates for FORM_FIELDS: this model's controls, with the given values; None leaves
    prompts and seed as they are and puts the model's defaults in steps and guidance. A size
    that a preset of the aspect ratio makes keeps the ratio in charge (width and height 0)."""
    c = models.controls(model)
    shown_guidance = c.guidance or GUIDANCE
    ratio = models.preset_ratio_for(c.name, *size) if size else None
    width, height = (0, 0) if size is None or ratio else size
    aspect_ratio = ratio or aspect_ratio
    keep = gr.skip()
    negative = {} if negative_prompt is None else {"value": negative_prompt}
    return (
        keep if prompt is None else prompt,
        gr.update(visible=c.takes_negative_prompt, **negative),
        c.name,
        aspect_ratio,
        width,
        height,
        gr.update(
            minimum=c.steps.minimum,
            maximum=c.steps.maximum,
            value=c.steps.default if steps is None else steps,
        ),
        gr.update(
            visible=c.guidance is not None,
            minimum=shown_guidance.minimum,
            maximum=shown_guidance.maximum,
            value=shown_guidance.default if guidance is None else guidance,
        ),
        keep if seed is None else seed,
        keep if seed is None else False,  # a given seed is meant to be used
        model_note(c, language),
        size_note(c.name, aspect_ratio, width, height, language),
    )


def on_reuse(
    selected: str | None, history: list[ImageRecord], aspect_ratio: str, request: gr.Request
):
    language = language_of(request)
    record = gallery_part.selected_record(history, selected, language)
    p = record.parameters
    try:
        return filled_form(
            record.model,
            aspect_ratio,
            (p.width, p.height),
            language,
            prompt=p.prompt,
            negative_prompt=p.negative_prompt,
            steps=p.steps,
            guidance=p.guidance_scale,
            seed=p.seed,
        )
    except BadRequestError as error:  # a model this app no longer offers
        raise gr.Error(error_text(error, language)) from None


def on_link(model: str, aspect_ratio: str, request: gr.Request):
    """Fill the form from the page's URL query, if it has settings; name what is skipped."""
    link = links.read(dict(request.query_params), model)
    if not link.given:
        return tuple(gr.skip() for _ in range(len(FORM_FIELDS) + 1))
    language = language_of(request)
    form = filled_form(
        link.model or model,
        link.aspect_ratio or aspect_ratio,
        link.size,
        language,
        prompt=link.prompt,
        negative_prompt=link.negative_prompt,
        steps=link.steps,
        guidance=link.guidance,
        seed=link.seed,
    )
    if link.errors:
        problems = " ".join(error_text(error, language) for error in link.errors)
        status = status_line(say("from_link_skipped", language, problems=problems), error=True)
    else:
        status = status_line(say("from_link", language))
    return *form, status


# What `filled_form` fills, in its order.
FORM_FIELDS = (
    "prompt", "negative_prompt", "model", "aspect_ratio", "width", "height", "steps", "guidance",
    "seed", "randomize_seed", "model_info", "size_info",
)  # fmt: skip


# ---- the part ----


def build(generations: Generations, history: gr.State, *, login: bool = False) -> Single:
    """Lay out the one-image workspace here (form and quota note, live preview, the visitor's
    gallery and history) and wire its events, `/generate` included."""
    settings = generations.settings
    with gr.Row(equal_height=False, elem_id="workspace"):
        with gr.Column(scale=2, min_width=300):
            prompt = gr.Textbox(
                label=t("prompt"),
                placeholder=t("prompt_placeholder"),
                lines=1,  # Enter submits only a one-line box; it still grows to six
                max_lines=6,
                max_length=MAX_PROMPT_CHARS,
                autofocus=True,
                elem_id="prompt",
            )
            with gr.Row():
                generate_button = gr.Button(
                    t("generate"), variant="primary", scale=3, elem_id="generate"
                )
                stop_button = gr.Button(t("stop"), variant="stop", scale=1, elem_id="stop")
            # Right under the buttons: on a phone the gallery is a screen further down.
            status = gr.Markdown("", elem_id="status")
            model = gr.Dropdown(
                choices=i18n.menu_choices(),
                value=DEFAULT.name,
                label=t("model"),
                # Aliases (e.g. "sd-3.5") pass to the registry, whose error lists the names.
                allow_custom_value=True,
                elem_id="model",
            )
            model_info = gr.Markdown(t(f"model:{DEFAULT.name}"), elem_classes="note")
            aspect_ratio = gr.Dropdown(
                choices=list(ASPECT_RATIOS), value="1:1", label=t("aspect_ratio")
            )
            with gr.Accordion(t("advanced"), open=False):
                negative_prompt = gr.Textbox(
                    "",
                    label=t("negative_prompt"),
                    placeholder=t("negative_prompt_placeholder"),
                    max_length=MAX_PROMPT_CHARS,
                    visible=DEFAULT.takes_negative_prompt,
                    elem_id="negative-prompt",
                )
                with gr.Row():
                    # 0: from the aspect ratio (a value, so API callers may leave it out).
                    width = gr.Number(label=t("width"), value=0, precision=0,
                                      info=t("from_aspect_ratio"))  # fmt: skip
                    height = gr.Number(label=t("height"), value=0, precision=0,
                                       info=t("from_aspect_ratio"))  # fmt: skip
                # The size in the browser's language: the words are a key, the numbers are not.
                size = size_note(DEFAULT.name, "1:1", 0, 0, ENGLISH).split(":", 1)[1]
                size_info = gr.Markdown(t("size_on_model") + size, elem_classes="note")
                steps = gr.Slider(
                    STEPS.minimum, STEPS.maximum, value=DEFAULT.steps.default,
                    step=STEPS.step, label=t("steps"), elem_id="steps",
                )  # fmt: skip
                guidance = gr.Slider(
                    GUIDANCE.minimum, GUIDANCE.maximum, value=GUIDANCE.default,
                    step=GUIDANCE.step, label=t("guidance"), visible=DEFAULT.guidance is not None,
                    elem_id="guidance",
                )  # fmt: skip
                with gr.Row():
                    seed = gr.Number(label=t("seed"), value=0, precision=0, minimum=0,
                                     maximum=MAX_SEED, elem_id="seed")  # fmt: skip
                    randomize_seed = gr.Checkbox(
                        label=t("random_seed"), value=True, elem_id="random-seed"
                    )
            if login:
                gr.LoginButton(t("login"))
            quota = quota_part.build(history, settings, login=login)
            gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[prompt], label=t("examples"))
        with gr.Column(scale=3, min_width=300):
            live_preview = gr.Image(
                label=t("preview"),
                visible=False,  # shown while a streaming model sends previews
                interactive=False,
                buttons=["fullscreen"],
                elem_id="live-preview",
            )
            images = gallery_part.build(history, generations.zip_dir)
            history_part.build(history, images, settings, generations.output_dir)

    # Inputs and outputs of the API endpoint only: never shown. Its inputs start empty,
    # apart from the prompt's, so that a value left out takes the chosen model's default
    # rather than what the page shows first (FLUX.1 [schnell]'s).
    api_inputs = [
        gr.Textbox(label="Prompt", visible=False),
        gr.Textbox("", label="Negative prompt", visible=False),
        gr.Dropdown(models.choices(), value=DEFAULT.name, label="Model",
                    allow_custom_value=True, visible=False),
        gr.Dropdown(list(ASPECT_RATIOS), value="1:1", label="Aspect ratio", visible=False),
        *(gr.Number(None, label=label, visible=False)
          for label in ("Width", "Height", "Steps", "Guidance")),
        gr.Number(0, label="Seed", precision=0, visible=False),
        gr.Checkbox(True, label="Random seed", visible=False),
    ]  # fmt: skip
    api_image = gr.Image(type="filepath", format="png", visible=False)
    api_seed = gr.Number(precision=0, visible=False)

    # ---- events ----
    request_inputs = [
        prompt, negative_prompt, model, aspect_ratio, width, height, steps, guidance, seed,
        randomize_seed,
    ]  # fmt: skip
    generating = gr.on(
        [generate_button.click, prompt.submit],
        generate_handler(generations),
        inputs=[*request_inputs, history],
        outputs=[live_preview, images.gallery, status, history, quota.retry_at],
        concurrency_limit=settings.concurrency,
        concurrency_id="generate",
        show_progress="minimal",
        show_progress_on=[images.gallery],  # not over the status line, which says it in words
        # Callable (tests watch its stream of gallery updates), not in the API docs:
        # `/generate` is the documented endpoint.
        api_visibility="undocumented",
        api_name="stream",
        preprocess=False,  # as for /generate: our checks name the field out of range
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
        generate_api_handler(generations),
        inputs=api_inputs,
        outputs=[api_image, api_seed],
        api_name="generate",
        api_description=tools.generate_description(),
        # Raw values reach our checks, whose errors name the field; Gradio's own range
        # checks would say "Value 60 is greater than maximum value 50." and not which.
        preprocess=False,
        concurrency_limit=settings.concurrency,
        concurrency_id="generate",
    )
    # At each page load, so that a Space found changed since start-up is said in the note.
    on_page_load(current_model_note, inputs=[model], outputs=[model_info])
    model.input(
        on_model,
        inputs=[model, aspect_ratio, width, height],
        outputs=[negative_prompt, steps, guidance, model_info, size_info],
        api_visibility="private",
        queue=False,
    )
    gr.on(
        [aspect_ratio.change, width.change, height.change],
        on_size,
        inputs=[model, aspect_ratio, width, height],
        outputs=[size_info],
        api_visibility="private",
        queue=False,
    )
    # On a phone both stand below the form: bring the first preview and the new image to sight.
    into_view.follow(live_preview, "#live-preview img", first_only=True)
    into_view.follow(
        images.gallery, gallery_part.NEWEST_SELECTOR, first_only=False, when=generating
    )
    form = [  # in FORM_FIELDS order
        prompt, negative_prompt, model, aspect_ratio, width, height, steps, guidance, seed,
        randomize_seed, model_info, size_info,
    ]  # fmt: skip
    images.reuse_button.click(
        on_reuse,
        inputs=[images.selected, history, aspect_ratio],
        outputs=form,
        api_visibility="private",
        queue=False,
    )
    on_page_load(on_link, inputs=[model, aspect_ratio], outputs=[*form, status])
    return Single(
        prompt=prompt,
        status=status,
        live_preview=live_preview,
        gallery=images,
        quota=quota,
        generating=generating,
    )
