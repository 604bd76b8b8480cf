"""Compare: one prompt to up to four models, one to four images each, side by side.

One column per chosen model, one cell per image: its previews, its queue position and steps,
then its image, captioned with model, seed, size and time taken, or its own error. Before a
run the page says what it reserves of the visitor's daily GPU quota. Finished images join the
session's gallery; "Download all" gives the run's images as one zip. `/compare` is the API.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import gradio as gr

from canvas import archive, compare, models, quota
from canvas.compare import Cell, CellUpdate, Run
from canvas.generation import ImageRecord
from providers import ASPECT_RATIOS, MAX_PROMPT_CHARS, MAX_SEED, BadRequestError

from . import gallery as gallery_part
from . import i18n, tools
from . import quota as quota_part
from .generations import Generations, refusal
from .i18n import ENGLISH, count, error_text, frame_text, language_of, say, t, tier_name
from .text import no_markup, plain, status_line

# The parameters of /compare, in order (for a raw REST call's count check).
PARAMETERS = (
    "prompt", "models", "images_per_model", "negative_prompt", "aspect_ratio", "width",
    "height", "num_inference_steps", "guidance_scale", "seed", "randomize_seed",
)  # fmt: skip


def running_line(images: int, columns: int, language: str) -> str:
    return say(
        "compare_running",
        language,
        images=count("images_count", images, language),
        models=count("models_count", columns, language),
    )


def done_line(made: int, planned: int, language: str) -> str:
    failed = planned - made
    rest = say("compare_failed", language, failed=failed) if failed else "."
    return say("compare_done", language, made=made, images=count("images_of", planned, language),
               failed=rest)  # fmt: skip


def quota_time(seconds: int, language: str) -> str:
    if seconds % 60 == 0:
        return say("quota_minutes", language, n=seconds // 60)
    return say("quota_seconds", language, n=seconds)


def cost_note(chosen: list[str] | None, images: float | None, language: str) -> str:
    """What the run reserves of the visitor's daily ZeroGPU quota, before it starts."""
    chosen = list(chosen or [])
    if not chosen:
        return say("cost_unknown", language)
    if len(chosen) > compare.MAX_MODELS:
        return say("cost_too_many", language, limit=compare.MAX_MODELS)
    try:
        cost = quota.cost(chosen, compare.images_per_model(images or 1))
    except BadRequestError as error:
        return status_line(error_text(error, language), error=True)
    parts = ", ".join(
        say("cost_part_images", language, model=m.label, images=m.images,
            seconds=m.seconds_per_image)
        if m.images > 1
        else say("cost_part", language, model=m.label, seconds=m.seconds_per_image)
        for m in cost.models
    )  # fmt: skip

    def tier(t: quota.Tier) -> dict:
        return {"tier": tier_name(t.name, language), "quota": quota_time(t.daily_seconds, language)}

    fits = cost.fits()
    first = quota.TIERS[0]
    if fits and fits[0] is first:
        verdict = say("cost_within", language, **tier(first))
    elif fits:
        within = tier(fits[0])
        verdict = say("cost_within_other", language, **tier(first), fits=within["tier"],
                      fits_quota=within["quota"])  # fmt: skip
    else:
        verdict = say("cost_beyond", language, **tier(quota.TIERS[-1]))
    return plain(say("cost", language, seconds=cost.seconds, parts=parts, verdict=verdict))


def caption(update: CellUpdate, language: str) -> str:
    if update.error is not None:
        return status_line(error_text(update.error, language), error=True)
    record = update.record
    if record is not None:
        text = i18n.caption(record, language)
        return plain(say("cell_caption", language, caption=text, seconds=f"{update.seconds:.1f}"))
    return status_line(frame_text(update.frame, language))


@dataclass(frozen=True)
class RunState:
    """The visitor's latest run, as its last update left it (what Stop needs)."""

    planned: tuple[int, ...] = ()  # cell indices
    ended: frozenset[int] = frozenset()
    records: tuple[ImageRecord, ...] = ()
    images_per_model: int = 1

    def ended_with(self, update: CellUpdate) -> RunState:
        record = (update.record,) if update.record is not None else ()
        return dataclasses.replace(
            self, ended=self.ended | {update.cell.index}, records=(*self.records, *record)
        )


@dataclass(frozen=True)
class Slot:
    box: gr.Column  # image over caption
    image: gr.Image
    caption: gr.Markdown


@dataclass(frozen=True)
class Column:
    column: gr.Column
    header: gr.Markdown
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Cells:
    """The fixed grid of cells: a column per model place, a slot per image place."""

    columns: tuple[Column, ...]

    def components(self) -> list:
        out = []
        for column in self.columns:
            out += [column.column, column.header]
            out += [c for slot in column.slots for c in (slot.box, slot.image, slot.caption)]
        return out

    def contents(self) -> list:
        """What a run changes: every slot's image and caption."""
        return [c for col in self.columns for slot in col.slots for c in (slot.image, slot.caption)]

    def slot(self, cell: Cell) -> Slot:
        return self.columns[cell.column].slots[cell.image]

    def slot_at(self, index: int, images_per_model: int) -> Slot:
        return self.columns[index // images_per_model].slots[index % images_per_model]

    def layout(self, chosen: list[str] | None, images: float | None) -> dict:
        """Show a column per chosen model, headed with its name, and a slot per image."""
        chosen = list(chosen or [])[: compare.MAX_MODELS]
        try:
            count = compare.images_per_model(images or 1)
        except BadRequestError:
            count = 1
        labels = [_label(name) for name in chosen]
        out = {}
        for m, column in enumerate(self.columns):
            out[column.column] = gr.update(visible=m < len(chosen))
            out[column.header] = plain(labels[m]) if m < len(chosen) else ""
            for i, slot in enumerate(column.slots):
                out[slot.box] = gr.update(visible=i < count)
        return out

    def cleared(self, cells: list[Cell], language: str) -> dict:
        """Every planned cell emptied, waiting to start."""
        out = {}
        for cell in cells:
            slot = self.slot(cell)
            out[slot.image] = None
            out[slot.caption] = say("compare_waiting", language)
        return out


def _label(name: str) -> str:
    try:
        return models.controls(name).label
    except BadRequestError:
        return name


def plan_or_error(
    run: Run, request: gr.Request | None = None, language: str = ENGLISH
) -> list[Cell]:
    try:
        return compare.plan(run)
    except BadRequestError as error:
        raise refusal(
            error, title="input_error_title", request=request, language=language
        ) from None


@dataclass(frozen=True)
class ComparePart:
    prompt: gr.Textbox
    status: gr.Markdown
    running: gr.events.Dependency  # the Compare event, for anything that cancels it
    cells: Cells = field(repr=False)


def compare_handler(
    generations: Generations,
    cells_ui: Cells,
    *,
    status: gr.Markdown,
    history_state: gr.State,
    gallery: gr.Gallery,
    download: gr.DownloadButton,
    run_state: gr.State,
    retry_at: gr.State,
):
    async def on_compare(
        prompt: str,
        chosen: list[str],
        images_per_model: float,
        negative_prompt: str,
        aspect_ratio: str,
        seed: float,
        randomize_seed: bool,
        history: list[ImageRecord],
        request: gr.Request,
        oauth_token: gr.OAuthToken | None = None,
    ):
        """Run every cell at once; each shows its own progress, then its image or error."""
        language = language_of(request)
        run = Run(
            prompt=prompt if prompt is not None else "",
            models=list(chosen or []),
            images_per_model=images_per_model,
            negative_prompt=negative_prompt or "",
            aspect_ratio=aspect_ratio,
            seed=seed,
            randomize_seed=randomize_seed,
        )
        cells = plan_or_error(run, request, language)
        images = max(c.image for c in cells) + 1
        columns = max(c.column for c in cells) + 1
        state = RunState(planned=tuple(c.index for c in cells), images_per_model=images)
        history = list(history or [])
        yield {
            **cells_ui.cleared(cells, language),
            status: status_line(running_line(len(cells), columns, language)),
            download: gr.update(value=None, visible=False),
            run_state: state,
        }
        async for batch in generations.cells(cells, request, oauth_token, language=language):
            out = {}
            for update in batch:  # one page update for all that arrived together
                slot = cells_ui.slot(update.cell)
                out[slot.caption] = caption(update, language)
                if update.frame is not None and update.frame.preview is not None:
                    out[slot.image] = update.frame.preview
                if update.error is not None:
                    out[slot.image] = None  # a preview is not the image
                if update.record is not None:
                    out[slot.image] = update.record.path
                    history = [update.record, *history][: generations.settings.history_size]
                    out[history_state] = history
                    out[gallery] = gallery_part.items(history, language)
                if update.done:
                    state = state.ended_with(update)
                    out[run_state] = state
            errors = [update.error for update in batch if update.error is not None]
            if errors:  # a quota error's wait goes to the quota note, as the Create tab's
                out[retry_at] = quota_part.retry_time(*errors)
            yield out
        yield {
            status: status_line(done_line(len(state.records), len(cells), language)),
            download: _download(generations, state),
        }

    return on_compare


def _download(generations: Generations, state: RunState):
    if not state.records:
        return gr.update(value=None, visible=False)
    path = archive.zip_images(list(state.records), generations.zip_dir)
    return gr.update(value=str(path), visible=True)


def stop_handler(
    generations: Generations,
    cells_ui: Cells,
    *,
    status: gr.Markdown,
    download: gr.DownloadButton,
):
    def on_stop(state: RunState | None, request: gr.Request):
        """Cells still running say so; what finished stays, and can be downloaded."""
        state = state or RunState()
        stopped = say("stopped", language_of(request))
        out = {status: status_line(stopped), download: _download(generations, state)}
        for index in state.planned:
            if index not in state.ended:
                slot = cells_ui.slot_at(index, state.images_per_model)
                out[slot.image] = None
                out[slot.caption] = stopped
        return out

    return on_stop


def compare_api_handler(generations: Generations):
    async def on_compare_api(
        prompt: str,
        models: list[str],
        images_per_model: int,
        negative_prompt: str,
        aspect_ratio: str,
        width: float | None,
        height: float | None,
        num_inference_steps: float | None = None,
        guidance_scale: float | None = None,
        seed: float = 0,
        randomize_seed: bool = True,
        request: gr.Request | None = None,
        oauth_token: gr.OAuthToken | None = None,
    ):
        """Make images of one prompt on several models at once. Returns the images (a gallery,
        captioned) and, per cell in order, its model, seed, size and seconds, or its error."""
        run = Run(
            prompt=prompt if prompt is not None else "",
            models=models,
            images_per_model=images_per_model,
            negative_prompt=negative_prompt or "",
            aspect_ratio=aspect_ratio,
            width=width or None,  # 0 or empty: from the aspect ratio
            height=height or None,
            num_inference_steps=num_inference_steps,  # None: each model's own default
            guidance_scale=guidance_scale,
            seed=seed,
            randomize_seed=randomize_seed,
        )
        cells = plan_or_error(run)
        ended: dict[int, CellUpdate] = {}
        async for batch in generations.cells(cells, request, oauth_token, previews=False):
            ended |= {update.cell.index: update for update in batch if update.done}
        images, results = [], []
        for cell in cells:
            update = ended[cell.index]
            result = {"model": cell.model, "label": cell.label, "seconds": update.seconds}
            if update.record is not None:
                p = update.record.parameters
                result |= {"image": len(images), "seed": p.seed, "width": p.width,
                           "height": p.height, "error": None}  # fmt: skip
                images.append((update.record.path, update.record.caption))
            else:
                result |= {"image": None, "seed": cell.request.seed, "error": update.error.message}
            results.append(result)
        if not images:
            reasons = " ".join(f"{r['label']}: {r['error']}" for r in results)
            message = f"{say('no_images', ENGLISH)} {reasons}"  # an API's error: in English
            raise gr.Error(no_markup(message), title=say("no_images_title", ENGLISH))
        return images, results

    return tools.document(
        on_compare_api,
        name="compare_images",
        parameters=tools.compare_parameters(compare.MAX_MODELS, compare.MAX_IMAGES),
    )


# ---- the part ----


def build(
    generations: Generations,
    history: gr.State,
    session_gallery: gr.Gallery,
    retry_at: gr.State,
) -> ComparePart:
    """Lay out the compare page here and wire its events, `/compare` included. Finished
    images join `history` and the session's gallery; a quota error's wait goes to `retry_at`
    (the visitor's quota note)."""
    settings = generations.settings
    names = [name for _, name in models.choices()]
    default_models = names[:2]
    with gr.Row(equal_height=False, elem_id="compare-form"):
        with gr.Column(scale=2, min_width=300):
            prompt = gr.Textbox(
                label=t("prompt"),
                placeholder=t("prompt_placeholder"),
                lines=1,
                max_lines=6,
                max_length=MAX_PROMPT_CHARS,
                elem_id="compare-prompt",
            )
            with gr.Row():
                run_button = gr.Button(
                    t("compare_run"), variant="primary", scale=3, elem_id="compare-run"
                )
                stop_button = gr.Button(t("stop"), variant="stop", scale=1, elem_id="compare-stop")
            status = gr.Markdown("", elem_id="compare-status")
            # Worded at start-up in both languages; the browser shows its own.
            first_cost = i18n.startup_text(
                "compare_cost_first",
                cost_note(default_models, 1, ENGLISH),
                cost_note(default_models, 1, i18n.RUSSIAN),
            )
            cost = gr.Markdown(first_cost, elem_id="compare-cost")
            download = gr.DownloadButton(
                t("download_all"), visible=False, elem_id="compare-download"
            )
        with gr.Column(scale=3, min_width=300):
            chosen = gr.CheckboxGroup(
                choices=models.choices(),
                value=default_models,
                label=t("compare_models"),
                info=t("compare_models_info"),
                elem_id="compare-models",
            )
            images = gr.Slider(
                1, compare.MAX_IMAGES, value=1, step=1, label=t("images_per_model"),
                elem_id="compare-images",
            )  # fmt: skip
            aspect_ratio = gr.Dropdown(
                choices=list(ASPECT_RATIOS), value="1:1", label=t("aspect_ratio")
            )
            with gr.Accordion(t("advanced"), open=False):
                negative_prompt = gr.Textbox(
                    "", label=t("negative_prompt"), placeholder=t("negative_prompt_placeholder"),
                    info=t("negative_info"), max_length=MAX_PROMPT_CHARS,
                    elem_id="compare-negative-prompt",
                )  # fmt: skip
                with gr.Row():
                    seed = gr.Number(label=t("seed"), value=0, precision=0, minimum=0,
                                     maximum=MAX_SEED, info=t("seeds_info"),
                                     elem_id="compare-seed")  # fmt: skip
                    randomize_seed = gr.Checkbox(
                        label=t("random_seeds"), value=True, elem_id="compare-random-seed"
                    )
    columns = []
    with gr.Row(equal_height=False, elem_id="compare-cells"):
        for m in range(compare.MAX_MODELS):
            shown = m < len(default_models)
            with gr.Column(min_width=220, visible=shown, elem_classes="compare-column") as col:
                header = gr.Markdown(
                    plain(_label(default_models[m])) if shown else "",
                    elem_id=f"compare-header-{m}",
                    elem_classes="compare-header",
                )
                slots = []
                # A model's images side by side where there is room (one model: four
                # across), stacked where there is not (four models).
                with gr.Row(equal_height=False):
                    for i in range(compare.MAX_IMAGES):
                        with gr.Column(min_width=200, visible=i == 0) as box:
                            image = gr.Image(
                                label=t("image") + f" {i + 1}", show_label=False, interactive=False,
                                buttons=["download", "fullscreen"],
                                elem_id=f"compare-image-{m}-{i}", elem_classes="compare-image",
                            )  # fmt: skip
                            note = gr.Markdown(
                                "", elem_id=f"compare-caption-{m}-{i}",
                                elem_classes="compare-caption",
                            )  # fmt: skip
                        slots.append(Slot(box, image, note))
            columns.append(Column(col, header, tuple(slots)))
    cells_ui = Cells(tuple(columns))
    run_state = gr.State(None)

    # Inputs and outputs of the API endpoint only: never shown.
    api_width = gr.Number(value=0, precision=0, visible=False)
    api_height = gr.Number(value=0, precision=0, visible=False)
    api_steps = gr.Number(value=None, visible=False)
    api_guidance = gr.Number(value=None, visible=False)
    api_only = [api_width, api_height, api_steps, api_guidance]
    api_images = gr.Gallery(visible=False, format="png")
    api_results = gr.JSON(visible=False)

    # ---- events ----
    run_inputs = [prompt, chosen, images, negative_prompt, aspect_ratio, seed, randomize_seed]
    running = gr.on(
        [run_button.click, prompt.submit],
        compare_handler(
            generations,
            cells_ui,
            status=status,
            history_state=history,
            gallery=session_gallery,
            download=download,
            run_state=run_state,
            retry_at=retry_at,
        ),
        inputs=[*run_inputs, history],
        # The cells' images and captions only: their layout follows the choice of models.
        outputs=[
            *cells_ui.contents(),
            status,
            history,
            session_gallery,
            download,
            run_state,
            retry_at,
        ],
        concurrency_limit=settings.concurrency,
        concurrency_id="generate",
        show_progress="hidden",  # every cell says where it is in words
        api_visibility="undocumented",
        api_name="compare_stream",
    )
    stop_button.click(
        stop_handler(generations, cells_ui, status=status, download=download),
        inputs=[run_state],
        outputs=[*cells_ui.contents(), status, download],
        cancels=[running],
        concurrency_limit=None,  # through the queue, after the stopped run's last frames
        api_visibility="private",
        show_progress="hidden",
    )

    def on_choice(chosen: list[str], images: float, request: gr.Request) -> dict:
        return {
            **cells_ui.layout(chosen, images),
            cost: cost_note(chosen, images, language_of(request)),
        }

    gr.on(
        [chosen.change, images.change],
        on_choice,
        inputs=[chosen, images],
        outputs=[*cells_ui.components(), cost],
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )
    gr.on(
        [],  # no trigger on the page: an API endpoint with named parameters
        compare_api_handler(generations),
        inputs=[*run_inputs[:5], *api_only, seed, randomize_seed],
        outputs=[api_images, api_results],
        api_name="compare",
        api_description=tools.compare_description(compare.MAX_MODELS, compare.MAX_IMAGES),
        preprocess=False,  # raw values reach our checks, whose errors name the field
        concurrency_limit=settings.concurrency,
        concurrency_id="generate",
    )
    return ComparePart(prompt=prompt, status=status, running=running, cells=cells_ui)
