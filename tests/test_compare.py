"""A compare run's plan (checks and seeds), its cost, and its zip: no upstream involved."""

from __future__ import annotations

import random
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from canvas import archive, compare, quota
from canvas.compare import Run
from canvas.generation import ImageRecord
from canvas.pnginfo import GenerationParameters, read_parameters, save_png
from providers import MAX_SEED, BadRequestError, ModelNotFoundError


def test_cells_follow_the_models_in_order_with_the_same_seeds_for_each():
    cells = compare.plan(
        Run("a fox", ["sd-3.5", "flux-dev"], images_per_model=3, seed=5, randomize_seed=False)
    )
    assert [(c.column, c.image, c.model) for c in cells] == [
        (0, 0, "sd-3.5-large"), (0, 1, "sd-3.5-large"), (0, 2, "sd-3.5-large"),
        (1, 0, "flux-dev"), (1, 1, "flux-dev"), (1, 2, "flux-dev"),
    ]  # fmt: skip
    assert [c.index for c in cells] == list(range(6))
    assert [c.request.seed for c in cells] == [5, 6, 7, 5, 6, 7]
    assert all(c.request.randomize_seed is False for c in cells)


def test_omitted_steps_and_guidance_are_left_to_each_model():
    cells = compare.plan(Run("a fox", ["sd-3.5", "flux-dev"]))
    assert all(c.request.num_inference_steps is None for c in cells)
    assert all(c.request.guidance_scale is None for c in cells)


def test_consecutive_seeds_wrap_past_the_largest():
    assert compare.seeds(3, MAX_SEED - 1, False) == [MAX_SEED - 1, MAX_SEED, 0]


@given(st.integers(1, compare.MAX_IMAGES), st.integers(0, 2**32))
def test_random_seeds_are_distinct_and_in_range(count, state):
    seeds = compare.seeds(count, 0, True, random.Random(state))
    assert len(set(seeds)) == count
    assert all(0 <= seed <= MAX_SEED for seed in seeds)


@pytest.mark.parametrize(
    ("run", "error"),
    [
        (Run("a fox", ["flux-dev", "midjourney"]), "Unknown model 'midjourney'"),
        (Run("a fox", ["flux-dev"] * 5), "models: choose at most 4, not 5."),
        (Run("a fox", ["flux-dev", "flux-dev"]), "FLUX.1 [dev] is chosen twice."),
        (Run("a fox", []), "models is empty"),
        (Run("a fox", [3]), "models must be a list of model names."),
        (Run("a fox", ["flux-dev"], images_per_model=5), "between 1 and 4, not 5."),
        (Run("a fox", ["flux-dev"], images_per_model=2.5), "whole number"),
        (Run("", ["flux-dev"]), "prompt is empty"),
        (Run("a fox", ["flux-dev"], seed="lucky"), "seed must be a number"),
        # Steps of 45 suit both; guidance 10 suits FLUX.1 [dev] only: the error says whose.
        (
            Run("a fox", ["flux-dev", "sd-3.5"], num_inference_steps=45, guidance_scale=10),
            "Stable Diffusion 3.5 Large: guidance_scale must be between 0 and 7.5, not 10.",
        ),
    ],
)
def test_bad_runs_are_refused_naming_the_problem(run, error):
    with pytest.raises(BadRequestError) as raised:
        compare.plan(run)
    assert error in raised.value.message


def test_an_unknown_model_is_the_registrys_own_error():
    with pytest.raises(ModelNotFoundError):
        compare.model_names(["flux-dev", "nope"])


def test_a_comma_separated_list_names_models_too():
    assert compare.model_names("flux-dev, sd-3.5 ,") == ["flux-dev", "sd-3.5-large"]


def test_the_cost_adds_up_each_spaces_declared_seconds_against_the_tiers():
    cost = quota.cost(["flux-dev", "sd-3.5"], 2)
    assert [(m.label, m.seconds) for m in cost.models] == [
        ("FLUX.1 [dev]", 150),
        ("Stable Diffusion 3.5 Large", 130),
    ]
    assert cost.seconds == 280
    assert cost.fits()[0].name == "with a free account"
    assert quota.cost(["flux-schnell"], 1).fits()[0] is quota.TIERS[0]


def test_a_zip_holds_every_png_with_its_parameters(tmp_path):
    records = []
    for seed in (11, 12):
        source = tmp_path / f"{seed}.webp"
        Image.new("RGB", (8, 8), "red").save(source)
        parameters = GenerationParameters("a fox", "", 4, None, seed, 8, 8, "FLUX.1 [schnell]")
        path = save_png(source, tmp_path / f"{seed}.png", parameters)
        records.append(ImageRecord(str(seed), str(path), "flux-schnell", "FLUX", parameters))
    made = archive.zip_images(records, tmp_path / "zips")
    with zipfile.ZipFile(made) as opened:
        assert opened.namelist() == ["01-flux-schnell-seed-11.png", "02-flux-schnell-seed-12.png"]
        opened.extractall(tmp_path / "out")
    assert read_parameters(tmp_path / "out" / "02-flux-schnell-seed-12.png").seed == 12
