"""The app's API and event stream, driven by gradio_client, with every Space emulated."""

from __future__ import annotations

import concurrent.futures
import json
import re
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

import providers
from canvas.pnginfo import read_parameters
from providers import (
    BlackForestLabs_Flux1Dev,
    BlackForestLabs_Flux1Schnell,
    Multimodalart_QwenImageFast,
    StabilityAI_SD35Large,
    TongyiMAI_ZImageTurbo,
)

from .helpers import emulator_for, stream_frames, visitor, visitor_headers


@pytest.fixture
def client(app_server, fresh):
    client = Client(app_server.url, verbose=False)
    yield client
    client.close()


def test_generate_with_only_a_prompt_returns_a_png_and_the_seed(client, emulators):
    path, seed = client.predict("a lighthouse at dusk", api_name="/generate")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (1024, 1024)
    job = emulator_for(emulators, BlackForestLabs_Flux1Schnell).controls.jobs[-1]
    assert seed == job.seed_used
    assert read_parameters(path).seed == seed


def test_a_downloaded_png_reproduces_the_settings_it_was_made_with(client, emulators):
    settings = {
        "prompt": 'a red fox, 35mm photo, "golden" light\nsecond line',
        "negative_prompt": "blurry, text",
        "model": "sd-3.5-large",
        "aspect_ratio": "3:2",
        "num_inference_steps": 12,
        "guidance_scale": 5.5,
        "seed": 31337,
        "randomize_seed": False,
    }
    path, _ = client.predict(**settings, api_name="/generate")
    first = emulator_for(emulators, StabilityAI_SD35Large).controls.jobs[-1].arguments
    saved = read_parameters(path)
    client.predict(
        prompt=saved.prompt,
        negative_prompt=saved.negative_prompt,
        model="sd-3.5-large",
        width=saved.width,
        height=saved.height,
        num_inference_steps=saved.steps,
        guidance_scale=saved.guidance_scale,
        seed=saved.seed,
        randomize_seed=False,
        api_name="/generate",
    )
    again = emulator_for(emulators, StabilityAI_SD35Large).controls.jobs[-1].arguments
    assert again == first
    assert (saved.width, saved.height) == (1024, 672)


def test_more_generations_run_at_once_than_gradios_default_of_40(app_server, fresh, emulators):
    # Gradio's queue has 40 worker slots unless launched with more; the app's concurrency
    # setting (64) must not be capped by them.
    schnell = emulator_for(emulators, BlackForestLabs_Flux1Schnell).controls
    schnell.hold()
    clients = [Client(app_server.url, verbose=False, download_files=False) for _ in range(2)]
    try:
        jobs = [
            # 48 visitors of their own: one visitor may only have a few at once.
            clients[i % 2].submit(f"crowd {i}", api_name="/generate", headers=visitor_headers())
            for i in range(48)
        ]
        schnell.wait_for(lambda c: c.running == 48, timeout=60)
        schnell.release()
        assert all(job.result(timeout=60)[0]["path"].endswith(".png") for job in jobs)
    finally:
        schnell.release()
        for client in clients:
            client.close()


def test_the_api_downloads_no_preview_it_would_never_return(client, emulators):
    dev = emulator_for(emulators, BlackForestLabs_Flux1Dev).controls
    path, _seed = client.predict(
        "a fox", model="flux-dev", num_inference_steps=6, api_name="/generate"
    )
    assert dev.jobs[-1].previews_sent == 6
    assert dev.files_served == 1
    assert read_parameters(path).steps == 6


def test_a_streaming_model_shows_previews_before_the_final_image(client, emulators):
    job = client.submit("a fox", "", "flux-dev", "1:1", 0, 0, 6, 3.5, 0, True, api_name="/stream")
    job.result(timeout=60)
    frames = stream_frames(job)
    previews = [frame.preview for frame in frames if frame.preview]
    assert (
        len(previews)
        == emulator_for(emulators, BlackForestLabs_Flux1Dev).controls.jobs[-1].previews_sent
    )
    assert len(previews) > 1
    # The Space's own webp files (downloaded here by gradio_client): not re-encoded.
    assert all(Path(preview).suffix == ".webp" for preview in previews)
    # Frames that only update the status leave the gallery alone (a `gr.skip()` update):
    # the gallery changes once, when the final image lands, and the preview goes away.
    galleries = [frame.gallery for frame in frames if frame.gallery is not None]
    assert len(galleries) == 1
    assert galleries[0][0]["caption"].startswith("FLUX.1 [dev]")
    assert frames[-1].preview is None and frames[-1].gallery == galleries[0]


def test_users_are_not_serialized(app_server, fresh, emulators):
    emulator = emulator_for(emulators, BlackForestLabs_Flux1Schnell)
    emulator.controls.hold()
    clients = [visitor(app_server.url) for _ in range(8)]
    try:
        jobs = [c.submit(f"picture {i}", api_name="/generate") for i, c in enumerate(clients)]
        emulator.controls.wait_for_jobs(8, status="running", timeout=30)
        assert emulator.controls.running == 8
        emulator.controls.release()
        results = [job.result(timeout=60) for job in jobs]
    finally:
        emulator.controls.release()
        for c in clients:
            c.close()
    assert len({path for path, _ in results}) == 8
    assert emulator.controls.max_concurrent == 8


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"prompt": "   "}, "prompt is empty"),
        ({"prompt": "x" * 2001}, "prompt"),
        ({"prompt": "x", "model": "dall-e-3"}, "Unknown model 'dall-e-3'"),
        ({"prompt": "x", "aspect_ratio": "7:3"}, "Unknown aspect ratio '7:3'"),
        ({"prompt": "x", "width": 99999}, "width must be between 32 and 4096"),
        ({"prompt": "x", "model": "sd-3.5-large", "guidance_scale": 9}, "guidance_scale"),
        ({"prompt": "x", "seed": -5}, "seed must be between 0"),
    ],
)
def test_bad_input_is_refused_by_name_before_any_upstream_call(client, emulators, arguments, named):
    with pytest.raises(AppError) as caught:
        client.predict(**arguments, api_name="/generate")
    assert named in caught.value.message
    assert all(not e.controls.jobs for e in emulators.values())


def test_a_quota_error_reads_as_a_quota_message_with_the_wait(client, emulators):
    emulator_for(emulators, StabilityAI_SD35Large).controls.inject("quota")
    with pytest.raises(AppError) as caught:
        client.predict("x", model="sd-3.5-large", api_name="/generate")
    message = caught.value.message
    assert "quota" in message and "23 h 41 min" in message and "sign in" in message.lower()
    assert "Traceback" not in message


def test_each_visitor_token_reaches_the_space_on_that_visitors_call_only(
    app_server, fresh, emulators
):
    emulator = emulator_for(emulators, BlackForestLabs_Flux1Schnell)
    emulator.controls.hold()
    visitors = {
        "alice": Client(app_server.url, verbose=False, headers={"x-ip-token": "token-alice"}),
        "bob": Client(app_server.url, verbose=False, headers={"x-ip-token": "token-bob"}),
        "carol": Client(app_server.url, verbose=False),
    }
    try:
        jobs = [c.submit(name, api_name="/generate") for name, c in visitors.items()]
        emulator.controls.wait_for_jobs(3, status="running", timeout=30)
        emulator.controls.release()
        for job in jobs:
            job.result(timeout=60)
    finally:
        emulator.controls.release()
        for c in visitors.values():
            c.close()
    seen = {job.arguments["prompt"]: job.headers for job in emulator.controls.jobs}
    assert seen["alice"].get("x-ip-token") == "token-alice"
    assert seen["bob"].get("x-ip-token") == "token-bob"
    assert "x-ip-token" not in seen["carol"]
    for headers in seen.values():
        assert "x-hf-authorization" not in headers  # the machine's HF_TOKEN stays home
        assert "hf_machine_owner_token" not in " ".join(headers.values())


def test_the_app_started_and_served_without_any_network_call(app_server):
    client = Client(app_server.url, verbose=False)
    try:
        api = client.view_api(print_info=False, return_format="dict")
    finally:
        client.close()
    assert "/generate" in api["named_endpoints"]
    assert "NETWORK-GUARD" not in app_server.log()


def test_concurrent_calls_finish_with_each_callers_own_image(app_server, fresh):
    prompts = [f"subject {i}" for i in range(4)]

    def one(prompt):
        client = visitor(app_server.url)
        try:
            path, _ = client.predict(prompt, seed=7, randomize_seed=False, api_name="/generate")
        finally:
            client.close()
        return prompt, read_parameters(path).prompt

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for asked, got in pool.map(one, prompts):
            assert asked == got


def test_a_png_is_named_after_its_prompt_model_and_seed_and_stays_unique(app_server, fresh):
    client = Client(app_server.url, verbose=False, download_files=False)
    try:
        asked = {"prompt": "Рыжая лиса в снегу: 35mm/photo", "model": "flux-dev", "seed": 7}
        names = [
            Path(client.predict(**asked, randomize_seed=False, api_name="/generate")[0]["path"])
            for _ in range(2)
        ]
    finally:
        client.close()
    pattern = r"рыжая-лиса-в-снегу-35mm-photo_flux-1-dev_seed7_[0-9a-f]{8}\.png"
    assert all(re.fullmatch(pattern, name.name) for name in names), names
    assert names[0].name != names[1].name  # same prompt, model and seed: still two files


# --- the newer Spaces through the app -------------------------------------------------------


def model_menu(client: Client) -> dict[str, str]:
    """The page's model menu as an English browser shows it: name -> label."""
    (menu,) = [
        c for c in client.config["components"] if c.get("props", {}).get("elem_id") == "model"
    ]
    english = client.config["i18n_translations"]["en"]
    return {value: english[json.loads(label.removeprefix("__i18n__"))["key"]]
            for label, value in menu["props"]["choices"]}  # fmt: skip


def test_the_menu_offers_every_model_saying_what_it_is_good_at_its_speed_and_cost(client):
    menu = model_menu(client)
    assert list(menu) == [entry.name for entry in providers.registry.entries()]
    assert len(menu) >= 8
    for name, label in menu.items():
        provider = providers.registry.get(name)
        assert label.startswith(provider.display_name), label
        assert provider.good_at in label
        assert re.search(r"\b(fastest|fast|medium|slow)\b", label), label
        assert f"{provider.spec.gpu_seconds} s GPU" in label
    assert len(set(menu.values())) == len(menu)  # no two read the same


def test_qwen_image_gives_its_own_size_for_a_ratio_and_the_png_says_so(client, emulators):
    path, _ = client.predict(
        "a poster that says OPEN", model="qwen-image", aspect_ratio="21:9", api_name="/generate"
    )
    with Image.open(path) as image:
        assert image.size == (1664, 928)  # 21:9 is not offered: the nearest, 16:9
    saved = read_parameters(path)
    assert (saved.width, saved.height) == (1664, 928)
    job = emulator_for(emulators, Multimodalart_QwenImageFast).controls.jobs[-1]
    assert job.arguments["aspect_ratio"] == "16:9" and job.arguments["prompt_enhance"] is False


def test_z_image_takes_no_guidance_and_gets_height_and_width(client, emulators):
    path, _ = client.predict(
        "a fox", model="z-image-turbo", width=768, height=512, api_name="/generate"
    )
    with Image.open(path) as image:
        assert image.size == (768, 512)
    assert read_parameters(path).guidance_scale is None
    job = emulator_for(emulators, TongyiMAI_ZImageTurbo).controls.jobs[-1]
    assert (job.arguments["width"], job.arguments["height"]) == (768, 512)
    assert "guidance_scale" not in job.arguments
