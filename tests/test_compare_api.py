"""The `/compare` endpoint of the running app: several models and images in one call, every
Space emulated, driven by gradio_client as an API caller would."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

from canvas.pnginfo import read_parameters
from providers import (
    BlackForestLabs_Flux1Dev,
    BlackForestLabs_Flux1Schnell,
    StabilityAI_SD35Large,
    StabilityAI_SD35LargeTurbo,
    Voodoohop_Flux1Schnell,
)
from ui import compare as compare_part

from .helpers import emulator_for, eventually


@pytest.fixture
def client(app_server, fresh):
    client = Client(app_server.url, verbose=False)
    yield client
    client.close()


def controls(emulators, provider):
    return emulator_for(emulators, provider).controls


def test_two_models_each_return_their_image_with_model_seed_and_their_own_defaults(
    client, emulators
):
    images, results = client.predict(
        prompt="a lighthouse at dusk",
        models=["flux-dev", "sd-3.5-large"],
        aspect_ratio="16:9",
        seed=7,
        randomize_seed=False,
        api_name="/compare",
    )
    assert [r["model"] for r in results] == ["flux-dev", "sd-3.5-large"]
    assert [r["error"] for r in results] == [None, None]
    assert [r["seed"] for r in results] == [7, 7]  # image 1 of every model: the same seed
    dev = controls(emulators, BlackForestLabs_Flux1Dev).jobs[-1]
    sd35 = controls(emulators, StabilityAI_SD35Large).jobs[-1]
    # Omitted steps and guidance: each model's own default; the size from each one's rules.
    assert (dev.arguments["num_inference_steps"], dev.arguments["guidance_scale"]) == (28, 3.5)
    assert (sd35.arguments["num_inference_steps"], sd35.arguments["guidance_scale"]) == (40, 4.5)
    assert (dev.width, dev.height) == (1024, 576)
    assert (sd35.width, sd35.height) == (1024, 576)
    for result, image in zip(results, images, strict=True):
        assert result["image"] == images.index(image)
        with Image.open(image["image"]) as png:
            assert png.format == "PNG"
            assert png.size == (result["width"], result["height"])
        saved = read_parameters(image["image"])
        assert saved.seed == result["seed"]
        assert image["caption"].startswith(result["label"])


def test_four_images_of_one_model_take_four_consecutive_seeds(client, emulators):
    images, results = client.predict(
        prompt="a red fox in snow",
        models=["flux-schnell"],
        images_per_model=4,
        seed=100,
        randomize_seed=False,
        api_name="/compare",
    )
    assert [r["seed"] for r in results] == [100, 101, 102, 103]
    assert len(images) == 4
    jobs = controls(emulators, BlackForestLabs_Flux1Schnell).jobs
    assert sorted(job.seed_used for job in jobs) == [100, 101, 102, 103]
    assert sorted(read_parameters(i["image"]).seed for i in images) == [100, 101, 102, 103]


def test_random_seeds_are_distinct_and_reported(client, emulators):
    _images, results = client.predict(
        prompt="a red fox in snow",
        models="flux-schnell, sd-3.5-turbo",  # a comma-separated list works too
        images_per_model=3,
        api_name="/compare",
    )
    schnell_seeds = [r["seed"] for r in results if r["model"] == "flux-schnell"]
    assert len(set(schnell_seeds)) == 3
    turbo = controls(emulators, StabilityAI_SD35LargeTurbo).jobs
    assert sorted(job.seed_used for job in turbo) == sorted(schnell_seeds)


def test_the_models_run_at_once(client, emulators):
    held = [controls(emulators, p) for p in (BlackForestLabs_Flux1Dev, StabilityAI_SD35Large)]
    for space in held:
        space.hold()
    job = client.submit(prompt="a fox", models=["flux-dev", "sd-3.5-large"], api_name="/compare")
    for space in held:  # both upstream jobs started while neither has finished
        space.wait_for_jobs(1, status="running", timeout=30)
    for space in held:
        space.release()
    _images, results = job.result(timeout=60)
    assert [r["error"] for r in results] == [None, None]


def test_a_quota_error_in_one_cell_leaves_the_others_their_images(client, emulators):
    controls(emulators, StabilityAI_SD35Large).inject("quota")
    images, results = client.predict(
        prompt="a fox", models=["flux-dev", "sd-3.5-large"], api_name="/compare"
    )
    dev, sd35 = results
    assert dev["error"] is None and dev["image"] == 0
    assert sd35["image"] is None and "quota" in sd35["error"] and "23 h 41 min" in sd35["error"]
    assert len(images) == 1


def test_fallback_works_per_cell(client, emulators):
    controls(emulators, BlackForestLabs_Flux1Schnell).inject("quota", times=-1)
    images, results = client.predict(
        prompt="a fox", models=["flux-schnell", "flux-dev"], api_name="/compare"
    )
    assert [r["error"] for r in results] == [None, None]
    assert images[0]["caption"].startswith("FLUX.1 [schnell] (voodoohop)")
    assert len(controls(emulators, Voodoohop_Flux1Schnell).jobs) == 1


def test_every_cell_failing_is_an_error_naming_each_reason(client, emulators):
    controls(emulators, StabilityAI_SD35Large).inject("quota")
    controls(emulators, BlackForestLabs_Flux1Dev).inject("gpu_aborted")
    with pytest.raises(AppError) as raised:
        client.predict(prompt="a fox", models=["flux-dev", "sd-3.5"], api_name="/compare")
    message = str(raised.value)
    assert "Stable Diffusion 3.5 Large: " in message and "quota" in message
    assert "FLUX.1 [dev]: " in message


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"models": ["flux-dev", "dall-e-3"]}, "Unknown model 'dall-e-3'"),
        (
            {
                "models": [
                    "flux-dev",
                    "flux-schnell",
                    "sd-3.5",
                    "sd-3.5-turbo",
                    "voodoohop-flux-1-schnell",
                ]
            },
            "models: choose at most 4, not 5.",
        ),
        ({"models": []}, "models is empty"),
        ({"models": ["flux-dev", "black-forest-labs-flux-1-dev"]}, "FLUX.1 [dev] is chosen twice"),
        ({"images_per_model": 5}, "images_per_model must be between 1 and 4, not 5."),
        ({"images_per_model": 0}, "images_per_model must be between 1 and 4, not 0."),
        ({"prompt": "  "}, "prompt is empty"),
        ({"num_inference_steps": 60}, "num_inference_steps must be between 1 and 50, not 60."),
        # Within one model's bounds and not the other's: the error says whose.
        ({"guidance_scale": 12}, "Stable Diffusion 3.5 Large: guidance_scale must be between"),
        ({"seed": -1}, "seed must be between 0"),
    ],
)
def test_bad_input_is_named_before_any_upstream_call(client, emulators, arguments, named):
    call = {"prompt": "a fox", "models": ["flux-dev", "sd-3.5-large"]} | arguments
    with pytest.raises(AppError) as raised:
        client.predict(**call, api_name="/compare")
    assert named in str(raised.value)
    assert all(not emulator.controls.jobs for emulator in emulators.values())


def test_the_endpoint_is_documented_with_named_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")
    parameters = [p["parameter_name"] for p in api["named_endpoints"]["/compare"]["parameters"]]
    assert tuple(parameters) == compare_part.PARAMETERS
    assert parameters == [
        "prompt",
        "models",
        "images_per_model",
        "negative_prompt",
        "aspect_ratio",
        "width",
        "height",
        "num_inference_steps",
        "guidance_scale",
        "seed",
        "randomize_seed",
    ]


def test_cells_beyond_the_visitors_fair_share_wait_in_their_own_line(client, emulators):
    held = [controls(emulators, p) for p in (BlackForestLabs_Flux1Schnell, StabilityAI_SD35Large)]
    for space in held:
        space.hold()
    try:
        job = client.submit(
            prompt="a fox", models=["flux-schnell", "sd-3.5"], images_per_model=4,
            api_name="/compare",
        )  # fmt: skip
        # The app's default share is 4 jobs per visitor: 4 of the 8 cells start...
        # (Two emulators, so no one condition signals it: polled.)
        eventually(lambda: sum(s.running for s in held) == 4, "4 cells running", timeout=30)
        assert sum(len(s.jobs) for s in held) == 4
    finally:
        for space in held:
            space.release()
    # ...and the rest follow as slots free up.
    images, results = job.result(timeout=120)
    assert len(images) == 8 and all(r["error"] is None for r in results)
