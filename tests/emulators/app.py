"""Build one emulator Space: a gr.Blocks shaped like the Hugging Face text-to-image template.

The `infer` shapes (SD 3.5, FLUX.1-schnell, FLUX.1-dev, Qwen-Image, Z-Image's `generate_image`)
are written out with their real parameter names, because gradio_client reads the names from
the function's signature (a drifted Space gets a signature of its changed names). Each
delegates to _Job, which plays what a ZeroGPU Space does: schedule (quota errors), log
"Waiting for a GPU" / "Successfully acquired a GPU", run the denoising steps with gr.Progress,
then return `(image, seed)`.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr

from . import faults, images
from .contracts import MAX_SEED, PIPELINE_GRID, SpaceContract
from .controls import Controls, JobRecord
from .images import ImageStore

Output = tuple[str, Any]


class _Job:
    def __init__(
        self,
        contract: SpaceContract,
        controls: Controls,
        store: ImageStore,
        arguments: dict[str, Any],
        request: gr.Request | None,
        progress: gr.Progress,
    ) -> None:
        self.contract, self.controls, self.store = contract, controls, store
        self.arguments, self.progress = arguments, progress
        headers = {k.lower(): v for k, v in dict(request.headers).items()} if request else {}
        self.record = JobRecord(kind=contract.kind, arguments=dict(arguments), headers=headers)
        self.fault: str | None = None
        self.steps = int(arguments["num_inference_steps"])
        self.seed: Any = None
        self.width = self.height = 0

    @contextmanager
    def lifecycle(self) -> Iterator[None]:
        self.controls._start_job(self.record)
        try:
            yield
        # Gradio cancels a running job by cancelling its task (CancelledError) and closes a
        # generator's iterator (GeneratorExit at the pending yield).
        except (asyncio.CancelledError, GeneratorExit):
            self.controls._finish_job(self.record, "cancelled")
            raise
        except BaseException as error:
            self.controls._finish_job(self.record, "error", getattr(error, "message", str(error)))
            raise
        else:
            self.controls._finish_job(self.record, "completed")

    async def start(self) -> None:
        """ZeroGPU scheduling, then the pipeline's input checks."""
        self.fault = self.controls._take_fault()
        self.controls._update(self.record, fault=self.fault)
        if self.fault in faults.SCHEDULE_FAULTS:
            raise faults.schedule_error(self.fault)
        gr.Info("Waiting for a GPU to become available", title="ZeroGPU queue")
        await self.controls._wait_if_held()
        if self.fault == "no_gpu":
            raise faults.no_gpu_error("x-ip-token" in self.record.headers)
        gr.Success("Successfully acquired a GPU", title="ZeroGPU queue")
        if self.fault == "stall":
            await self.controls._wait_for_release()
        if self.fault == "gpu_aborted":
            raise faults.gpu_aborted_error()
        if self.fault == "generic_error":
            raise faults.generic_error()

        # The template's own lines: `if randomize_seed: seed = random.randint(0, MAX_SEED)`.
        seed = self.arguments["seed"]
        self.seed = random.randint(0, MAX_SEED) if self.arguments["randomize_seed"] else seed
        if self.contract.ratio_sizes:  # the Space picks the size (its own, off-grid or not)
            width, height = self.contract.ratio_sizes[self.arguments["aspect_ratio"]]
        else:
            width, height = int(self.arguments["width"]), int(self.arguments["height"])
        if not self.contract.ratio_sizes and (width % PIPELINE_GRID or height % PIPELINE_GRID):
            if self.contract.off_grid_size == "error":
                # diffusers' StableDiffusion3Pipeline.check_inputs; a plain ValueError, so
                # the caller only sees Gradio's generic error.
                raise ValueError(
                    f"`height` and `width` have to be divisible by {PIPELINE_GRID} but are "
                    f"{height} and {width}.You can use height {height - height % PIPELINE_GRID}"
                    f" and width {width - width % PIPELINE_GRID}."
                )
            # FluxPipeline only warns and rounds the latent size down.
            width -= width % PIPELINE_GRID
            height -= height % PIPELINE_GRID
        self.width, self.height = width, height
        self.controls._update(self.record, seed_used=int(self.seed), width=width, height=height)

    async def step(self, index: int) -> None:
        """One denoising step: takes its share of the latency, reports progress."""
        crash_at = 2 if self.contract.streams_previews else 0  # after two previews
        if self.fault == "crash_mid_stream" and index >= crash_at:
            raise faults.cuda_crash_error()
        delay = self.controls.step_latency + self.controls.latency / max(self.steps, 1)
        await asyncio.sleep(delay)
        self.progress((index + 1, self.steps))

    async def preview(self, index: int) -> Output:
        data = await asyncio.to_thread(
            images.good_webp, int(self.seed), self.width, self.height, index
        )
        path = self.store.write(data)
        self.controls._update(self.record, previews_sent=self.record.previews_sent + 1)
        return path, self.seed

    async def final(self) -> Output:
        if self.fault == "crash_mid_stream":  # fewer steps than the crash point
            raise faults.cuda_crash_error()
        seed, width, height = int(self.seed), self.width, self.height
        name = "image.webp"
        if self.fault == "not_image":
            data = images.not_an_image()
        elif self.fault == "truncated_image":
            data = await asyncio.to_thread(images.truncated_png, seed, width, height)
            name = "image.png"
        elif self.fault == "huge_image":
            data, name = images.decompression_bomb_png(), "image.png"
            width = height = images.HUGE_SIDE
        else:
            if self.fault == "wrong_size":
                width //= 2
            data = await asyncio.to_thread(images.good_webp, seed, width, height)
        self.controls._update(self.record, width=width, height=height)
        return self.store.write(data, name), self.seed


# The Python defaults are the real Spaces' (seed=42, randomize_seed=False, ...). gradio_client
# never uses them: a parameter left out takes the component's initial value (seed 0, randomize
# on), which is the subtlety the notes point out.


def _sd35_infer(new_job):
    async def infer(
        prompt,
        negative_prompt="",
        seed=42,
        randomize_seed=False,
        width=1024,
        height=1024,
        guidance_scale=4.5,
        num_inference_steps=40,
        request: gr.Request = None,
        progress=gr.Progress(),  # noqa: B008 (how Gradio asks for a progress tracker)
    ):
        job = new_job(locals(), request, progress)
        with job.lifecycle():
            await job.start()
            for index in range(job.steps):
                await job.step(index)
            return await job.final()

    return infer


def _schnell_infer(new_job):
    async def infer(
        prompt,
        seed=42,
        randomize_seed=False,
        width=1024,
        height=1024,
        num_inference_steps=4,
        request: gr.Request = None,
        progress=gr.Progress(),  # noqa: B008
    ):
        job = new_job(locals(), request, progress)
        with job.lifecycle():
            await job.start()
            for index in range(job.steps):
                await job.step(index)
            return await job.final()

    return infer


def _dev_infer(new_job):
    # A generator, like the real Space: one preview per step, then the final image.
    async def infer(
        prompt,
        seed=42,
        randomize_seed=False,
        width=1024,
        height=1024,
        guidance_scale=3.5,
        num_inference_steps=28,
        request: gr.Request = None,
        progress=gr.Progress(),  # noqa: B008
    ) -> AsyncIterator[Output]:
        job = new_job(locals(), request, progress)
        with job.lifecycle():
            await job.start()
            for index in range(job.steps):
                await job.step(index)
                yield await job.preview(index)
            yield await job.final()

    return infer


def _qwen_infer(new_job):
    async def infer(
        prompt,
        seed=42,
        randomize_seed=False,
        aspect_ratio="16:9",
        guidance_scale=1.0,
        num_inference_steps=8,
        prompt_enhance=True,
        request: gr.Request = None,
        progress=gr.Progress(),  # noqa: B008
    ):
        job = new_job(locals(), request, progress)
        with job.lifecycle():
            await job.start()
            for index in range(job.steps):
                await job.step(index)
            return await job.final()

    return infer


def _z_image_generate(new_job):
    async def generate_image(
        prompt,
        height=1024,
        width=1024,
        num_inference_steps=9,
        seed=42,
        randomize_seed=True,
        request: gr.Request = None,
        progress=gr.Progress(),  # noqa: B008
    ):
        job = new_job(locals(), request, progress)
        with job.lifecycle():
            await job.start()
            for index in range(job.steps):
                await job.step(index)
            return await job.final()

    return generate_image


_SHAPES = {
    "sd35": _sd35_infer,
    "schnell": _schnell_infer,
    "dev": _dev_infer,
    "qwen": _qwen_infer,
    "z-image": _z_image_generate,
}


def _handler(contract: SpaceContract, controls: Controls, store: ImageStore):
    def new_job(local_vars: dict[str, Any], request, progress) -> _Job:
        arguments = {name: local_vars[name] for name in contract.parameters}
        return _Job(contract, controls, store, arguments, request, progress)

    function = _SHAPES[contract.shape](new_job)
    if contract.renamed or contract.required_extra:
        return _drifted_signature(function, contract)
    return function


def _drifted_signature(function, contract: SpaceContract):
    """The function under the drifted Space's input names (what gradio_client will read),
    handing its original code the values under the original names."""
    signature = inspect.signature(function)
    names = list(signature.parameters)
    renamed = [
        p.replace(name=contract.renamed.get(p.name, p.name)) for p in signature.parameters.values()
    ]
    extra = [
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for n in contract.required_extra
    ]
    # Right after the prompt: a parameter without a default may only follow another such.
    drifted = signature.replace(parameters=[renamed[0], *extra, *renamed[1:]])

    def original(args, kwargs) -> dict[str, Any]:
        bound = drifted.bind(*args, **kwargs)
        bound.apply_defaults()
        values = list(bound.arguments.values())
        return dict(zip(names, [values[0], *values[1 + len(extra) :]], strict=True))

    if inspect.isasyncgenfunction(function):

        async def wrapper(*args, **kwargs):
            async for output in function(**original(args, kwargs)):
                yield output

    else:

        async def wrapper(*args, **kwargs):
            return await function(**original(args, kwargs))

    wrapper.__signature__ = drifted
    wrapper.__name__ = function.__name__
    return wrapper


def build_blocks(
    contract: SpaceContract,
    controls: Controls,
    store: ImageStore,
    concurrency_limit: int | None = None,
) -> gr.Blocks:
    infer = _handler(contract, controls, store)
    components: dict[str, gr.components.Component] = {}
    # No telemetry: the machines running these tests have no internet.
    with gr.Blocks(title=f"{contract.space_id} (emulator)", analytics_enabled=False) as demo:
        gr.Markdown(f"# {contract.space_id}\nLocal emulator of the Space's API.")
        with gr.Row():
            components["prompt"] = gr.Text(
                label="Prompt",
                show_label=False,
                max_lines=1,
                placeholder="Enter your prompt",
                container=False,
            )
            run_button = gr.Button("Run", scale=0)
        result = gr.Image(label="Result", show_label=False)
        with gr.Accordion("Advanced Settings", open=False):
            if "negative_prompt" in contract.parameters:
                # Hidden in the UI, still the endpoint's second input.
                components["negative_prompt"] = gr.Text(
                    label="Negative prompt",
                    max_lines=1,
                    placeholder="Enter a negative prompt",
                    visible=False,
                )
            components["seed"] = gr.Slider(
                label="Seed", minimum=0, maximum=MAX_SEED, step=1, value=0
            )
            components["randomize_seed"] = gr.Checkbox(label="Randomize seed", value=True)
            for name, radio in contract.radios.items():
                components[name] = gr.Radio(
                    label=radio.label, choices=list(radio.choices), value=radio.value
                )
            with gr.Row():
                for name, spec in contract.sliders.items():
                    components[name] = gr.Slider(
                        label=spec.label,
                        minimum=spec.minimum,
                        maximum=spec.maximum,
                        step=spec.step,
                        value=spec.value,
                    )
            for name, value in contract.checkboxes.items():
                components[name] = gr.Checkbox(label=name.replace("_", " ").title(), value=value)
            for name in contract.required_extra:  # a new text input, no default: required
                components[name] = gr.Text(label=name.title())
        gr.on(
            triggers=[run_button.click, components["prompt"].submit],
            fn=infer,
            inputs=[components[name] for name in contract.input_names],
            outputs=[result, components["seed"]],
            api_name=contract.api_name,
            concurrency_limit=concurrency_limit,
        )
    return demo
