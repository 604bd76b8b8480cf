"""The emulator Spaces, driven through the real gradio_client over loopback HTTP.

Expected contracts are written out here from /work/shared/upstream-spaces.md, not imported
from tests.emulators.contracts, so a slip in the emulator's declarations fails a test.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import time
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from gradio_client.utils import QueueError, Status
from PIL import Image

from tests.emulators import DRIFTS, FAULTS, SPACE_KINDS, Controls, start_emulator

from .helpers import QWEN_SIZES

MAX_SEED = 2**31 - 1
GENERIC = (
    "The upstream Gradio app has raised an exception but has not enabled verbose error "
    "reporting. To enable, set show_error=True in launch()."
)
SD35 = [
    "prompt",
    "negative_prompt",
    "seed",
    "randomize_seed",
    "width",
    "height",
    "guidance_scale",
    "num_inference_steps",
]
SCHNELL = ["prompt", "seed", "randomize_seed", "width", "height", "num_inference_steps"]
DEV = [*SCHNELL[:5], "guidance_scale", "num_inference_steps"]
# kind -> (parameters in order, {slider: (minimum, maximum, step, default)})
EXPECTED = {
    "sd35-large": (
        SD35,
        {
            "width": (512, 1024, 32, 1024),
            "height": (512, 1024, 32, 1024),
            "guidance_scale": (0, 7.5, 0.1, 4.5),
            "num_inference_steps": (1, 50, 1, 40),
        },
    ),
    "sd35-large-turbo": (
        SD35,
        {
            "width": (512, 1024, 32, 1024),
            "height": (512, 1024, 32, 1024),
            "guidance_scale": (0, 7.5, 0.1, 0),
            "num_inference_steps": (1, 50, 1, 4),
        },
    ),
    "flux-schnell": (
        SCHNELL,
        {
            "width": (256, 2048, 32, 1024),
            "height": (256, 2048, 32, 1024),
            "num_inference_steps": (1, 50, 1, 4),
        },
    ),
    "flux-dev": (
        DEV,
        {
            "width": (256, 2048, 32, 1024),
            "height": (256, 2048, 32, 1024),
            "guidance_scale": (1, 15, 0.1, 3.5),
            "num_inference_steps": (1, 50, 1, 28),
        },
    ),
    "voodoohop-schnell": (
        SCHNELL,
        {
            "width": (256, 2048, 8, 1024),
            "height": (256, 2048, 8, 1024),
            "num_inference_steps": (1, 50, 1, 4),
        },
    ),
    # Guidance 4.5 and steps 28 by default, sizes to 2048; the rest as FLUX.1-dev.
    "flux-krea-dev": (
        DEV,
        {
            "width": (256, 2048, 32, 1024),
            "height": (256, 2048, 32, 1024),
            "guidance_scale": (1, 15, 0.1, 4.5),
            "num_inference_steps": (1, 50, 1, 28),
        },
    ),
}
# The text-to-image template's `/infer` with width and height; the newer Spaces differ.
TEMPLATE = tuple(EXPECTED)
QWEN = ["prompt", "seed", "randomize_seed", "aspect_ratio", "guidance_scale"]
QWEN += ["num_inference_steps", "prompt_enhance"]
Z_IMAGE = ["prompt", "height", "width", "num_inference_steps", "seed", "randomize_seed"]
SMALLEST = {"sd35-large": 512, "sd35-large-turbo": 512}  # others: 256
TIMEOUT = 20


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def clients(emulators):
    built = {kind: Client(emulators[kind].url, verbose=False) for kind in SPACE_KINDS}
    yield built
    for client in built.values():
        client.close()


@pytest.fixture(autouse=True)
def _fresh_controls(emulators):
    for emulator in emulators.values():
        emulator.controls.reset()
    yield
    for emulator in emulators.values():
        emulator.controls.reset()  # also wakes anything a failed test left held or stalled


def small(kind: str, **overrides):
    """Keyword arguments for a cheap call: smallest size, few steps."""
    side = SMALLEST.get(kind, 256)
    arguments = {"prompt": "a red fox", "width": side, "height": side, "num_inference_steps": 2}
    if kind.startswith("sd35"):
        arguments["negative_prompt"] = ""
    arguments.update(overrides)
    return arguments


def submit(client: Client, kind: str, **overrides):
    return client.submit(api_name="/infer", **small(kind, **overrides))


def eventually(check, timeout: float = 5):
    """Poll a client-side condition (gradio_client gives no way to wait on a status)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.01)


def client_knows_its_event(job) -> None:
    """Wait until the client has processed its queue/join answer.

    Before that, job.cancel() posts /cancel without an event id: the server answers 422 and
    the job runs on, while the client believes it cancelled it. The first status update read
    from the stream comes after the event id is set.
    """
    eventually(lambda: job.status().code != Status.STARTING)


def collect_updates(job) -> list:
    """Every update the job sent, read once it has ended.

    Not `async for update in job`: gradio_client fills that asyncio queue from a worker
    thread, which can leave a waiting reader asleep until its timeout and lose an update.
    Its last update is queued before the job's future completes, so draining after is whole.
    """
    concurrent.futures.wait([job.future], timeout=TIMEOUT)
    updates = []
    while True:
        try:
            updates.append(job.communicator.updates.get_nowait())
        except asyncio.QueueEmpty:
            return updates


def input_props(client: Client, api_name: str = "infer") -> dict[str, dict]:
    dependency = next(d for d in client.config["dependencies"] if d.get("api_name") == api_name)
    components = {c["id"]: c for c in client.config["components"]}
    names = [
        p["parameter_name"]
        for p in client.view_api(return_format="dict", print_info=False)["named_endpoints"][
            f"/{api_name}"
        ]["parameters"]
    ]
    return {
        name: components[i]["props"] for name, i in zip(names, dependency["inputs"], strict=True)
    }


# --- the contracts ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", TEMPLATE)
def test_view_api_shows_infer_with_parameters_in_order(clients, kind):
    api = clients[kind].view_api(return_format="dict", print_info=False)
    parameters = api["named_endpoints"]["/infer"]["parameters"]
    assert [p["parameter_name"] for p in parameters] == EXPECTED[kind][0]
    returns = api["named_endpoints"]["/infer"]["returns"]
    assert [r["component"] for r in returns] == ["Image", "Slider"]


@pytest.mark.parametrize("kind", TEMPLATE)
def test_slider_bounds_steps_and_defaults(clients, kind):
    props = input_props(clients[kind])
    for name, (minimum, maximum, step, value) in EXPECTED[kind][1].items():
        got = props[name]
        assert (got["minimum"], got["maximum"], got["step"], got["value"]) == (
            minimum,
            maximum,
            step,
            value,
        ), name
    seed = props["seed"]
    assert (seed["minimum"], seed["maximum"], seed["step"], seed["value"]) == (0, MAX_SEED, 1, 0)
    assert props["randomize_seed"]["value"] is True
    if kind.startswith("sd35"):
        assert props["negative_prompt"]["visible"] is False


@pytest.mark.parametrize("kind", TEMPLATE)
def test_predict_with_ui_defaults_returns_default_size_and_random_seed(emulators, clients, kind):
    arguments = {"negative_prompt": ""} if kind.startswith("sd35") else {}
    if kind.startswith("flux-") and kind.endswith("dev"):
        arguments["num_inference_steps"] = 2  # 28 full-size previews are slow; size is the point
    image, seed = clients[kind].predict("a red fox", api_name="/infer", **arguments)
    assert Path(image).name == "image.webp"
    with Image.open(image) as picture:
        assert (picture.format, picture.size) == ("WEBP", (1024, 1024))
    assert 0 <= seed <= MAX_SEED
    (job,) = emulators[kind].controls.jobs
    assert job.status == "completed"
    assert job.arguments["randomize_seed"] is True and job.arguments["seed"] == 0
    assert job.seed_used == seed


@pytest.mark.parametrize("kind", TEMPLATE)
def test_requested_size_travels_through_and_fixed_seed_is_kept(clients, kind):
    width, height = (512, 768) if kind.startswith("sd35") else (768, 320)
    arguments = small(kind, width=width, height=height, seed=1234, randomize_seed=False)
    first, seed = clients[kind].predict(api_name="/infer", **arguments)
    again, _ = clients[kind].predict(api_name="/infer", **arguments)
    assert seed == 1234
    with Image.open(first) as picture:
        assert picture.size == (width, height)
    digest = [hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in (first, again)]
    assert digest[0] == digest[1]  # deterministic from the seed


@pytest.mark.parametrize("kind", TEMPLATE)
def test_out_of_range_slider_values_are_rejected_by_gradio(emulators, clients, kind):
    maximum = EXPECTED[kind][1]["width"][1]
    with pytest.raises(AppError, match=rf"^Value {maximum + 64} is greater than maximum value"):
        clients[kind].predict(api_name="/infer", **small(kind, width=maximum + 64))
    with pytest.raises(AppError, match=r"^Value 0 is less than minimum value 1\.$"):
        clients[kind].predict(api_name="/infer", **small(kind, num_inference_steps=0))
    assert emulators[kind].controls.jobs == []  # rejected before `infer` ran


def test_every_kind_is_covered_here():
    assert set(SPACE_KINDS) == {*TEMPLATE, "qwen-image-fast", "qwen-image", "z-image-turbo"} | {
        "z-image-turbo-mrfakename"
    }


@pytest.mark.parametrize(("kind", "steps"), [("qwen-image-fast", 8), ("qwen-image", 50)])
def test_qwen_takes_a_ratio_and_picks_the_size_itself(emulators, clients, kind, steps):
    api = clients[kind].view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert [p["parameter_name"] for p in api["/infer"]["parameters"]] == QWEN
    props = input_props(clients[kind])
    assert [value for _, value in props["aspect_ratio"]["choices"]] == list(QWEN_SIZES)
    assert props["aspect_ratio"]["value"] == "16:9"
    assert props["num_inference_steps"]["value"] == steps
    assert props["prompt_enhance"]["value"] is True  # on: the Space rewrites prompts
    if kind == "qwen-image-fast":
        got = props["guidance_scale"]
        assert (got["minimum"], got["maximum"], got["step"], got["value"]) == (1, 10, 1, 1)
    for ratio, size in QWEN_SIZES.items():
        image, _ = clients[kind].predict(
            "a fox", aspect_ratio=ratio, num_inference_steps=1, api_name="/infer"
        )
        with Image.open(image) as picture:
            assert picture.size == size, ratio
    with pytest.raises(AppError):  # Gradio checks a Radio's value against its choices
        clients[kind].predict("a fox", aspect_ratio="21:9", api_name="/infer")
    assert len(emulators[kind].controls.jobs) == len(QWEN_SIZES)


@pytest.mark.parametrize("kind", ["z-image-turbo", "z-image-turbo-mrfakename"])
def test_z_image_is_generate_image_with_height_before_width_and_no_guidance(clients, kind):
    api = clients[kind].view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert list(api) == ["/generate_image"]
    assert [p["parameter_name"] for p in api["/generate_image"]["parameters"]] == Z_IMAGE
    image, seed = clients[kind].predict(
        "a fox", height=512, width=768, num_inference_steps=2, api_name="/generate_image"
    )
    with Image.open(image) as picture:
        assert picture.size == (768, 512)
    assert 0 <= seed <= MAX_SEED


def api_of(emulator) -> dict:
    client = Client(emulator.url, verbose=False)
    try:
        return client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    finally:
        client.close()


def test_drifts_change_the_api_as_described():
    assert set(DRIFTS) == {"narrowed", "renamed_input", "renamed_endpoint", "new_required"}
    with start_emulator("flux-dev", drift="narrowed") as space:
        client = Client(space.url, verbose=False)
        props = input_props(client)
        assert props["width"]["maximum"] == 768 and props["num_inference_steps"]["maximum"] == 12
        assert props["num_inference_steps"]["value"] == 12  # the default, clamped
        with pytest.raises(AppError, match=r"^Value 1024 is greater than maximum value 768\."):
            client.predict("a fox", width=1024, api_name="/infer")
        client.close()
    with start_emulator("qwen-image-fast", drift="narrowed") as space:
        client = Client(space.url, verbose=False)
        choices = input_props(client)["aspect_ratio"]["choices"]
        assert [value for _, value in choices] == ["1:1", "16:9", "9:16"]
        client.close()
    with start_emulator("z-image-turbo", drift="renamed_input") as space:
        names = [p["parameter_name"] for p in api_of(space)["/generate_image"]["parameters"]]
        assert names == [*Z_IMAGE[:3], "steps", *Z_IMAGE[4:]]
        client = Client(space.url, verbose=False)
        with pytest.raises(TypeError, match="num_inference_steps"):
            client.predict("a fox", num_inference_steps=2, api_name="/generate_image")
        client.predict("a fox", steps=2, height=512, width=512, api_name="/generate_image")
        assert space.controls.jobs[-1].arguments["num_inference_steps"] == 2
        client.close()
    with start_emulator("flux-schnell", drift="renamed_endpoint") as space:
        assert list(api_of(space)) == ["/run"]
    with start_emulator("qwen-image-fast", drift="new_required") as space:
        (style,) = [
            p for p in api_of(space)["/infer"]["parameters"] if p["parameter_name"] == "style"
        ]
        assert style["parameter_has_default"] is False


def test_sd35_rejects_sizes_off_the_16_pixel_grid_with_a_plain_error(emulators, clients):
    # 520 is within bounds (Gradio does not check the step) but the pipeline refuses it.
    with pytest.raises(AppError) as caught:
        clients["sd35-large"].predict(api_name="/infer", **small("sd35-large", width=520))
    assert caught.value.message == GENERIC
    (job,) = emulators["sd35-large"].controls.jobs
    assert job.status == "error" and "divisible by 16" in job.error


def test_flux_rounds_sizes_off_the_16_pixel_grid_down(clients):
    image, _ = clients["voodoohop-schnell"].predict(
        api_name="/infer", **small("voodoohop-schnell", width=1000, height=264)
    )
    with Image.open(image) as picture:
        assert picture.size == (992, 256)


def test_flux_dev_streams_one_preview_per_step_then_the_final(emulators, clients):
    job = submit(clients["flux-dev"], "flux-dev", num_inference_steps=5, seed=7)
    job.result(timeout=TIMEOUT)
    outputs = job.outputs()
    assert len(outputs) == 6
    assert all(seed == outputs[-1][1] for _, seed in outputs)
    (record,) = emulators["flux-dev"].controls.jobs
    assert record.previews_sent == 5 and record.status == "completed"


def test_zero_gpu_logs_and_step_progress_reach_the_client(clients):
    job = submit(clients["flux-dev"], "flux-dev", num_inference_steps=3)
    updates = collect_updates(job)
    logs = [u.log for u in updates if getattr(u, "log", None)]
    assert logs == [
        ("Waiting for a GPU to become available", "info"),
        ("Successfully acquired a GPU", "success"),
    ]
    progress = [u.progress_data[-1] for u in updates if getattr(u, "progress_data", None)]
    assert progress and all(p.length == 3 for p in progress)
    assert progress[-1].index == 3


# --- faults ----------------------------------------------------------------------------------

QUOTA_SUFFIX = (
    "Authenticate with a Hugging Face token for more quota - https://huggingface.co/settings/tokens"
)
ERRORS = {
    "quota": (
        "ZeroGPU quota exceeded",
        "You have exceeded your ZeroGPU quota (65s requested vs. 12s left). "
        f"Try again in 23:41:07. {QUOTA_SUFFIX}",
    ),
    "quota_old": (
        "Error",
        "You have exceeded your GPU quota (46s left vs. 60s requested). "
        "Sign-up on Hugging Face to get more quotas or retry in 0:09:48.",
    ),
    "quota_html": (
        "ZeroGPU quota exceeded",
        "You have exceeded your GPU quota (60s requested vs. 0s left). Try again in 1:02:03. "
        '<a href="https://huggingface.co/join">Create a free account</a> to get more usage quota.',
    ),
    "runs_limit": (
        "ZeroGPU quota exceeded",
        f"You have exceeded your ZeroGPU runs limit. {QUOTA_SUFFIX}",
    ),
    "gpu_limit": (
        "ZeroGPU quota exceeded",
        "Space app has reached its GPU limit. "
        "Try re-running outside of examples if it happened after clicking one",
    ),
    "no_gpu": (
        "ZeroGPU quota exceeded",
        "No GPU was available after 60s. "
        "Try re-running outside of examples if it happened after clicking one",
    ),
    "gpu_aborted": ("ZeroGPU worker error", "GPU task aborted"),
    "generic_error": ("Error", GENERIC),
    "crash_mid_stream": ("Error", "CUDA error: an illegal memory access was encountered"),
}


@pytest.mark.parametrize("fault", ERRORS)
def test_error_faults_reach_the_client_as_app_errors(emulators, clients, fault):
    emulators["flux-schnell"].controls.inject(fault)
    with pytest.raises(AppError) as caught:
        submit(clients["flux-schnell"], "flux-schnell").result(timeout=TIMEOUT)
    assert (caught.value.title, caught.value.message) == ERRORS[fault]
    (job,) = emulators["flux-schnell"].controls.jobs
    assert (job.status, job.fault) == ("error", fault)


def test_quota_errors_come_before_any_gpu_log(emulators, clients):
    emulators["flux-dev"].controls.inject("quota")
    job = submit(clients["flux-dev"], "flux-dev")
    updates = collect_updates(job)
    assert not [u for u in updates if getattr(u, "log", None)]
    with pytest.raises(AppError, match="exceeded your ZeroGPU quota"):
        job.result(timeout=TIMEOUT)


def test_no_gpu_is_worded_as_a_queue_timeout_when_a_visitor_token_came(emulators, clients):
    emulators["flux-schnell"].controls.inject("no_gpu")
    job = clients["flux-schnell"].submit(
        api_name="/infer", headers={"x-ip-token": "visitor"}, **small("flux-schnell")
    )
    with pytest.raises(AppError) as caught:
        job.result(timeout=TIMEOUT)
    assert caught.value.title == "ZeroGPU queue timeout"
    assert caught.value.message.startswith("No GPU was available after 60s")


def test_crash_mid_stream_sends_two_previews_first(emulators, clients):
    emulators["flux-dev"].controls.inject("crash_mid_stream")
    job = submit(clients["flux-dev"], "flux-dev", num_inference_steps=6)
    with pytest.raises(AppError, match=r"^CUDA error: an illegal memory access"):
        job.result(timeout=TIMEOUT)
    assert len(job.outputs()) == 2
    assert emulators["flux-dev"].controls.jobs[0].previews_sent == 2


def test_faults_are_counted_and_can_last_until_cleared(emulators, clients):
    controls, client = emulators["flux-schnell"].controls, clients["flux-schnell"]
    controls.inject("gpu_aborted", times=2)
    for _ in range(2):
        with pytest.raises(AppError):
            submit(client, "flux-schnell").result(timeout=TIMEOUT)
    submit(client, "flux-schnell").result(timeout=TIMEOUT)
    controls.inject("gpu_aborted", times=-1)
    for _ in range(3):
        with pytest.raises(AppError):
            submit(client, "flux-schnell").result(timeout=TIMEOUT)
    controls.clear_faults()
    submit(client, "flux-schnell").result(timeout=TIMEOUT)
    assert [j.status for j in controls.jobs] == ["error"] * 2 + ["completed"] + ["error"] * 3 + [
        "completed"
    ]


def test_fault_probability_is_reproducible(emulators, clients):
    controls, client = emulators["flux-schnell"].controls, clients["flux-schnell"]

    def pattern():
        controls.reset()
        controls.inject_probability("gpu_aborted", 0.5, seed=3)
        outcomes = []
        for _ in range(6):
            try:
                submit(client, "flux-schnell").result(timeout=TIMEOUT)
                outcomes.append(True)
            except AppError:
                outcomes.append(False)
        return outcomes

    first = pattern()
    assert first == pattern()
    assert True in first and False in first


def test_not_image_is_downloaded_as_html_bytes(emulators, clients):
    emulators["flux-schnell"].controls.inject("not_image")
    image, _ = clients["flux-schnell"].predict(api_name="/infer", **small("flux-schnell"))
    assert Path(image).name == "image.webp"
    assert Path(image).read_bytes().startswith(b"<!DOCTYPE html>")
    with pytest.raises(Image.UnidentifiedImageError):
        Image.open(image)


def test_truncated_image_has_a_readable_header_but_no_pixels(emulators, clients):
    emulators["flux-schnell"].controls.inject("truncated_image")
    image, _ = clients["flux-schnell"].predict(
        api_name="/infer", **small("flux-schnell", width=512, height=256)
    )
    with Image.open(image) as picture:
        assert (picture.format, picture.size) == ("PNG", (512, 256))
        with pytest.raises(OSError):
            picture.load()


def test_huge_image_is_a_small_decompression_bomb(emulators, clients):
    emulators["flux-dev"].controls.inject("huge_image")
    job = submit(clients["flux-dev"], "flux-dev")
    image, _ = job.result(timeout=TIMEOUT)
    assert len(job.outputs()) == 3  # the previews were fine
    assert Path(image).suffix == ".png" and Path(image).stat().st_size < 4096
    with pytest.raises(Image.DecompressionBombError):
        Image.open(image)


def test_wrong_size_is_a_valid_image_of_half_the_width(emulators, clients):
    emulators["sd35-large"].controls.inject("wrong_size")
    image, _ = clients["sd35-large"].predict(
        api_name="/infer", **small("sd35-large", width=1024, height=512)
    )
    with Image.open(image) as picture:
        picture.load()
        assert picture.size == (512, 512)


def test_download_files_false_gives_the_upstream_url(emulators):
    client = Client(emulators["flux-schnell"].url, verbose=False, download_files=False)
    try:
        image, _ = client.predict(api_name="/infer", **small("flux-schnell"))
    finally:
        client.close()
    assert image["url"].startswith(emulators["flux-schnell"].url + "gradio_api/file=")
    assert image["url"].endswith("/image.webp")


def test_queue_503_raises_queue_error(emulators, clients):
    emulators["flux-schnell"].controls.inject("queue_503")
    with pytest.raises(QueueError):
        clients["flux-schnell"].predict(api_name="/infer", **small("flux-schnell"))
    clients["flux-schnell"].predict(api_name="/infer", **small("flux-schnell"))  # one only


def test_sleeping_space_refuses_everything_until_cleared(emulators, clients):
    emulator = emulators["flux-schnell"]
    emulator.controls.inject("sleeping", times=-1)
    with pytest.raises(ValueError, match="Could not fetch config"):
        Client(emulator.url, verbose=False)
    with pytest.raises(QueueError):
        clients["flux-schnell"].predict(api_name="/infer", **small("flux-schnell"))
    emulator.controls.clear_faults()
    Client(emulator.url, verbose=False).close()
    assert emulator.controls.jobs == []


def test_stall_sends_nothing_until_released(emulators, clients):
    controls = emulators["flux-dev"].controls
    controls.inject("stall")
    job = submit(clients["flux-dev"], "flux-dev", num_inference_steps=3)
    controls.wait_for_jobs(1)
    with pytest.raises(concurrent.futures.TimeoutError):
        job.result(timeout=0.3)
    assert job.outputs() == [] and controls.jobs[0].previews_sent == 0
    controls.release()
    job.result(timeout=TIMEOUT)
    assert len(job.outputs()) == 4


def test_stalled_job_cancelled_by_the_client_is_recorded(emulators):
    client = Client(emulators["flux-schnell"].url, verbose=False)  # cancel hits its session only
    controls = emulators["flux-schnell"].controls
    controls.inject("stall")
    job = submit(client, "flux-schnell")
    controls.wait_for_jobs(1)
    client_knows_its_event(job)
    job.cancel()
    controls.wait_for_jobs(1, status="cancelled")
    client.close()


def test_closing_an_emulator_with_a_stalled_job_is_prompt():
    with start_emulator("flux-schnell") as emulator:
        client = Client(emulator.url, verbose=False)
        emulator.controls.inject("stall")
        job = submit(client, "flux-schnell")
        emulator.controls.wait_for_jobs(1)
        started = time.monotonic()
    assert time.monotonic() - started < 3
    # The server went away. gradio_client 2.7.2 reports it either way, depending on whether
    # the stream was cut or first said "unexpected_error" (a message it has no status for).
    with pytest.raises((concurrent.futures.CancelledError, KeyError)):
        job.result(timeout=TIMEOUT)
    client.close()


# --- cancellation, concurrency, queue, headers -----------------------------------------------


def test_cancelled_stream_is_recorded_and_stops_previews(emulators):
    controls = emulators["flux-dev"].controls
    controls.set_step_latency(0.05)
    client = Client(emulators["flux-dev"].url, verbose=False)
    job = submit(client, "flux-dev", num_inference_steps=50)
    controls.wait_for(lambda c: c.jobs and c.jobs[0].previews_sent >= 2)
    client_knows_its_event(job)
    job.cancel()
    controls.wait_for_jobs(1, status="cancelled")
    sent = controls.jobs[0].previews_sent
    # A later job completing on the same server shows the cancelled one made nothing since.
    controls.set_step_latency(0)
    submit(client, "flux-dev").result(timeout=TIMEOUT)
    assert controls.jobs[0].previews_sent == sent < 50
    assert len(job.outputs()) <= sent
    client.close()


def test_cancelling_one_job_cancels_the_clients_other_running_jobs(emulators):
    """Real Gradio behaviour worth knowing: /cancel kills every running task of the same
    session and endpoint, i.e. of the same Client; the other job's caller gets no answer."""
    controls = emulators["flux-schnell"].controls
    client = Client(emulators["flux-schnell"].url, verbose=False)
    controls.hold()
    first, second = submit(client, "flux-schnell"), submit(client, "flux-schnell")
    controls.wait_for(lambda c: c.running == 2)
    client_knows_its_event(first)
    first.cancel()
    controls.wait_for_jobs(2, status="cancelled")
    second.cancel()  # frees its client thread, which would otherwise wait forever
    client.close()


def test_hold_shows_four_jobs_running_at_once(emulators, clients):
    controls = emulators["sd35-large-turbo"].controls
    controls.hold()
    jobs = [submit(clients["sd35-large-turbo"], "sd35-large-turbo") for _ in range(4)]
    controls.wait_for(lambda c: c.running == 4)
    assert all(job.status == "running" for job in controls.jobs)
    controls.release()
    for job in jobs:
        job.result(timeout=TIMEOUT)
    assert controls.max_concurrent == 4 and controls.running == 0


def test_concurrency_limit_and_queue_size_are_gradios_own():
    with start_emulator("flux-schnell", concurrency_limit=1, max_queue_size=1) as emulator:
        client = Client(emulator.url, verbose=False)
        controls = emulator.controls
        controls.hold()
        first = submit(client, "flux-schnell")
        controls.wait_for(lambda c: c.running == 1)
        second = submit(client, "flux-schnell")
        eventually(lambda: second.status().rank is not None)
        assert second.status().rank == 0 and second.status().queue_size == 1
        with pytest.raises(QueueError):
            submit(client, "flux-schnell").result(timeout=TIMEOUT)
        controls.release()
        first.result(timeout=TIMEOUT)
        second.result(timeout=TIMEOUT)
        assert controls.max_concurrent == 1
        client.close()


def test_headers_are_recorded(emulators):
    emulator = emulators["flux-schnell"]
    client = Client(emulator.url, verbose=False, token="hf_example")
    client.submit(api_name="/infer", headers={"x-ip-token": "abc"}, **small("flux-schnell")).result(
        timeout=TIMEOUT
    )
    client.predict(api_name="/infer", **small("flux-schnell"))
    client.close()
    with_token, without = emulator.controls.jobs
    assert with_token.headers["x-ip-token"] == "abc"
    assert "x-ip-token" not in without.headers
    assert with_token.headers["x-hf-authorization"] == "Bearer hf_example"


def test_latency_and_reset(emulators, clients):
    controls = emulators["flux-schnell"].controls
    controls.set_latency(0.3)
    submit(clients["flux-schnell"], "flux-schnell").result(timeout=TIMEOUT)
    (job,) = controls.jobs
    assert job.finished - job.started >= 0.3
    controls.reset()
    assert (controls.latency, controls.jobs, controls.max_concurrent) == (0.0, [], 0)


def test_wait_for_times_out_with_a_helpful_message():
    controls = Controls("flux-schnell")
    with pytest.raises(TimeoutError, match="flux-schnell emulator: condition not met"):
        controls.wait_for_jobs(1, timeout=0.05)


def test_every_fault_is_described():
    assert set(FAULTS) == {
        *ERRORS,
        "sleeping",
        "queue_503",
        "stall",
        "not_image",
        "truncated_image",
        "huge_image",
        "wrong_size",
    }
    with pytest.raises(ValueError, match="unknown fault"):
        Controls("flux-dev").inject("no_such_fault")
