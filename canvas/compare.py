"""One prompt to several models, several images each, all at once: a run of cells.

A run is planned first (every check, before any upstream call): up to `MAX_MODELS` models, up
to `MAX_IMAGES` images each, with distinct seeds (consecutive from a fixed seed, or drawn at
random). Then every cell runs as one generation of its own (`generation.generate`, so fallback
works per cell), at the same time; their frames arrive interleaved, each tagged with its cell.
A cell's failure ends that cell only. Closing the stream (a Stop) cancels every cell, upstream
jobs included, and waits until they are cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import providers
from providers import MAX_SEED, BadRequestError, Range, ResponseError

from . import generation
from .generation import Frame, ImageRecord, Request, Visitor

logger = logging.getLogger(__name__)

MAX_MODELS = 4
MAX_IMAGES = 4
IMAGES = Range(1, MAX_IMAGES, step=1, default=1)


@dataclass(frozen=True, init=False)
class Run:
    """What a person asked for: one request's settings, sent to several models, several
    images each. The request's model is each cell's own; None for its steps, guidance, width
    or height: each model's own."""

    request: Request
    models: Any  # registry names or aliases, in the order the cells are shown
    images_per_model: Any = 1

    def __init__(self, prompt: str, models: Any, images_per_model: Any = 1, **settings: Any):
        """`settings`: the request's other fields (negative_prompt, seed...), not its model."""
        if "model" in settings:
            raise TypeError("Run takes models, not model")
        # Frozen: set as dataclasses' own __init__ would.
        object.__setattr__(self, "request", Request(prompt, **settings))
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "images_per_model", images_per_model)


@dataclass(frozen=True)
class Cell:
    """One image of a run: which model, which of its images, and the request it sends."""

    index: int  # models in order, then their images: column * images_per_model + image
    column: int  # the model's place among the chosen, 0-based
    image: int  # 0-based, within its model
    model: str  # registry name
    label: str
    request: Request


@dataclass(frozen=True)
class CellUpdate:
    """What one cell shows now: a frame (status, preview, image), or the error that ended it.

    `seconds` is set on the cell's last update: how long its image (or error) took.
    """

    cell: Cell
    frame: Frame | None = None
    error: ResponseError | None = None
    seconds: float | None = None

    @property
    def record(self) -> ImageRecord | None:
        return self.frame.record if self.frame is not None else None

    @property
    def done(self) -> bool:
        return self.seconds is not None


def model_names(models: Any) -> list[str]:
    """The registry names of the chosen models, or a BadRequestError naming the problem."""
    if isinstance(models, str):  # "flux-dev, sd-3.5" from an API caller
        models = [part for part in (p.strip() for p in models.split(",")) if part]
    if not isinstance(models, Sequence) or not all(isinstance(m, str) for m in models):
        raise BadRequestError(
            "models must be a list of model names.", field="models", reason="models_list"
        )
    if not models:
        raise BadRequestError(
            "models is empty: choose at least one model.", field="models", reason="models_empty"
        )
    if len(models) > MAX_MODELS:
        raise BadRequestError(
            f"models: choose at most {MAX_MODELS}, not {len(models)}.",
            field="models",
            reason="models_too_many",
            limit=MAX_MODELS,
            value=len(models),
        )
    names: list[str] = []
    for model in models:
        provider = providers.registry.get(model)  # unknown: names it and lists the valid ones
        name = providers.registry.name_of(provider)
        if name in names:
            raise BadRequestError(
                f"models: {provider.display_name} is chosen twice.",
                field="models",
                reason="models_twice",
                model=provider.display_name,
            )
        names.append(name)
    return names


def images_per_model(value: Any) -> int:
    return IMAGES.check("images_per_model", value, integer=True)


def seeds(count: int, seed: Any, randomize: Any, rng: random.Random | None = None) -> list[int]:
    """`count` distinct seeds: consecutive from `seed` (wrapping past the largest), or random."""
    if randomize:
        return (rng or random.SystemRandom()).sample(range(MAX_SEED + 1), count)
    return [(seed + i) % (MAX_SEED + 1) for i in range(count)]


def plan(run: Run, *, rng: random.Random | None = None) -> list[Cell]:
    """The run's cells, every request checked by its own model, before any upstream call.

    Image i of every model gets the same seed, so the models are compared on equal terms.
    """
    names = model_names(run.models)
    count = images_per_model(run.images_per_model)
    first = dataclasses.replace(run.request, model=names[0])
    # The shared fields (prompt, seed...) checked once, their errors named plainly; steps
    # and guidance have bounds per model, checked below.
    shared = dataclasses.replace(first, num_inference_steps=None, guidance_scale=None)
    _, arguments = generation.resolve(shared)
    run_seeds = seeds(count, arguments["seed"], first.randomize_seed, rng)
    cells = []
    for m, name in enumerate(names):
        provider = providers.registry.get(name)
        for i, seed in enumerate(run_seeds):
            request = dataclasses.replace(first, model=name, seed=seed, randomize_seed=False)
            try:
                generation.resolve(request)
            except BadRequestError as error:  # a bound of this model: say which
                message = f"{provider.display_name}: {error.message}"
                # The reason, values and model stay, for a page that words it in another
                # language.
                raise BadRequestError(
                    message,
                    field=error.field,
                    provider=provider.display_name,
                    reason=error.reason,
                    **error.values,
                ) from None
            cells.append(
                Cell(
                    index=m * count + i,
                    column=m,
                    image=i,
                    model=name,
                    label=provider.display_name,
                    request=request,
                )
            )
    return cells


def latest(updates: list[CellUpdate]) -> list[CellUpdate]:
    """The updates worth showing, in order: a cell's status or preview is dropped when a later
    update of the same cell came with it (the page shows only the latest anyway); images,
    errors and the previews' own order are kept."""
    last = {update.cell.index: i for i, update in enumerate(updates)}
    return [
        update for i, update in enumerate(updates) if update.done or last[update.cell.index] == i
    ]


async def run(
    cells: list[Cell],
    visitor: Visitor,
    *,
    output_dir: Path,
    fallback: bool = True,
    timeout: float | None = None,
    previews: bool = True,
    slot: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
) -> AsyncIterator[list[CellUpdate]]:
    """The cells' updates as they come, the cells running at once: each batch holds what
    arrived since the last, with superseded statuses and previews left out (`latest`), so a
    slow reader shows the newest state instead of falling behind.

    `slot`, if given, is entered around each cell's generation (a fair share's `run.job`):
    cells beyond the visitor's share wait there, and a cell's time counts from its slot.
    """
    updates: asyncio.Queue[CellUpdate | BaseException | None] = asyncio.Queue()

    async def one(cell: Cell) -> None:
        started = time.monotonic()
        try:
            async with slot() if slot is not None else contextlib.nullcontext():
                started = time.monotonic()
                async for frame in generation.generate(
                    cell.request,
                    visitor,
                    output_dir=output_dir,
                    fallback=fallback,
                    timeout=timeout,
                    previews=previews,
                ):
                    seconds = time.monotonic() - started if frame.record is not None else None
                    updates.put_nowait(CellUpdate(cell, frame=frame, seconds=seconds))
        except ResponseError as error:
            updates.put_nowait(CellUpdate(cell, error=error, seconds=time.monotonic() - started))
        except Exception as error:  # a bug, not an upstream's answer: end the run with it
            updates.put_nowait(error)
        finally:
            updates.put_nowait(None)  # this cell has ended

    tasks = [asyncio.create_task(one(cell)) for cell in cells]
    try:
        running = len(tasks)
        while running:
            arrived = [await updates.get()]
            while not updates.empty():
                arrived.append(updates.get_nowait())
            running -= arrived.count(None)
            for item in arrived:
                if isinstance(item, BaseException):
                    raise item
            batch = latest([item for item in arrived if item is not None])
            if batch:
                yield batch
    finally:
        for task in tasks:
            task.cancel()
        # Each cell's generation cancels its upstream job as it unwinds: wait for that.
        await asyncio.gather(*tasks, return_exceptions=True)
