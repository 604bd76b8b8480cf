"""The app as a public Space, tried as an attacker would, through `python app.py`.

One visitor cannot starve the others (fair share per visitor), nothing is open that need not
be (uploads, resized icons, run history, monitoring, direct REST calls), every deadline holds
(a Space that accepts and never answers), the API takes each model's own defaults, expected
failures are logged on one line each, and errors say what is expected.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

import providers
from canvas.fair_share import visitor_key
from providers import (
    BlackForestLabs_Flux1Dev,
    StabilityAI_SD35Large,
    StabilityAI_SD35LargeTurbo,
)
from tests.emulators import SilentSpace

from .app_server import AppProcess
from .helpers import emulator_for, eventually, visitor, visitor_headers

PER_VISITOR = 4  # the default of SPACE_CANVAS_PER_VISITOR
FAST = {"width": 512, "height": 512, "num_inference_steps": 2}
BUSY = re.compile(r"already have 4 images being made.*[Ww]ait for one to finish")


def threads_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Threads:\s+(\d+)", status, re.MULTILINE).group(1))


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=60) as client:
        yield client


# ---- fair share ----


def test_one_visitor_flooding_the_api_cannot_starve_another(app_server, fresh, emulators):
    sd = emulator_for(emulators, StabilityAI_SD35Large).controls
    sd.hold()  # long jobs: they run until released
    flooder = visitor(app_server.url, "flooder", download_files=False)
    bystander = visitor(app_server.url, "bystander")
    try:
        flood = [
            flooder.submit(f"flood {i}", model="sd-3.5-large", **FAST, api_name="/generate")
            for i in range(24)
        ]
        sd.wait_for_jobs(PER_VISITOR, status="running", timeout=60)
        eventually(lambda: sum(job.done() for job in flood) >= 24 - PER_VISITOR, "refusals", 60)
        done = [job for job in flood if job.done()]
        held = [job for job in flood if not job.done()]
        # Every extra request was told so in words, at once (the held ones are still held).
        assert len(done) == 24 - PER_VISITOR and len(held) == PER_VISITOR
        refused = [str(job.exception()) for job in done]
        assert all(isinstance(job.exception(), AppError) for job in done)
        assert all(BUSY.search(message) for message in refused), refused[0]
        # Meanwhile another visitor is served, on the same Space and on another.
        path, _ = bystander.predict("a bystander", model="flux-schnell", **FAST,
                                    api_name="/generate")  # fmt: skip
        assert Path(path).is_file()
        assert sd.running == PER_VISITOR
        flooding = [job for job in sd.jobs if job.arguments["prompt"].startswith("flood")]
        assert len(flooding) == PER_VISITOR  # the upstream never saw more from that visitor
        sd.release()
        assert all(job.result(timeout=60)[0]["path"].endswith(".png") for job in held)
        # Slots come back: the flooder may generate again.
        flooder.predict("after the flood", model="sd-3.5-large", **FAST, api_name="/generate")
    finally:
        sd.release()
        flooder.close()
        bystander.close()


def test_the_page_stream_counts_against_the_same_share(app_server, fresh, emulators):
    sd = emulator_for(emulators, StabilityAI_SD35Large).controls
    sd.hold()
    one = visitor(app_server.url, "page-and-api", download_files=False)
    try:
        jobs = [
            one.submit(f"mixed {i}", model="sd-3.5-large", **FAST, api_name="/generate")
            for i in range(PER_VISITOR)
        ]
        sd.wait_for_jobs(PER_VISITOR, status="running", timeout=60)
        page = one.submit("one more", "", "sd-3.5-large", "1:1", 512, 512, 2, 4.5, 0, True,
                          api_name="/stream")  # fmt: skip
        with pytest.raises(AppError, match=BUSY):
            page.result(timeout=60)
        sd.release()
        for job in jobs:
            job.result(timeout=60)
    finally:
        sd.release()
        one.close()


def test_a_visitor_is_told_apart_by_token_else_by_address():
    assert visitor_key(None, "t1", "10.0.0.1") != visitor_key(None, "t2", "10.0.0.1")
    assert visitor_key(None, None, "10.0.0.1") != visitor_key(None, None, "10.0.0.2")


# ---- nothing open that need not be ----


def test_uploads_are_refused_and_nothing_reaches_the_cache(app_server, http):
    for path in ("gradio_api/upload", "gradio_api/upload/", "gradio_api/upload?upload_id=x"):
        answer = http.post(
            f"{app_server.url}{path}", files={"files": ("big.bin", b"x" * 1_000_000)}
        )
        assert answer.status_code == 403 and "no uploads" in answer.json()["error"]
    cache = app_server.workdir / "gradio"
    assert not any(path.name == "big.bin" for path in cache.rglob("*"))


def test_the_icon_is_served_but_never_resized(app_server, http):
    assert http.get(f"{app_server.url}favicon.ico").status_code == 200
    assert http.get(f"{app_server.url}pwa_icon/10000").status_code == 404


def test_run_history_monitoring_and_direct_rest_calls_are_off(app_server, http):
    config = http.get(f"{app_server.url}config").json()
    assert config["run_history"] is False
    assert http.get(f"{app_server.url}gradio_api/runs").status_code == 404
    assert http.get(f"{app_server.url}gradio_api/monitoring").status_code in (403, 404)
    assert http.get(f"{app_server.url}monitoring").status_code in (403, 404)
    # Past the queue, a direct call would skip every limit.
    direct = http.post(f"{app_server.url}gradio_api/run/generate", json={"data": ["a cat"]})
    assert direct.status_code == 404
    # The API page stays: /generate is a documented API.
    assert "/generate" in http.get(f"{app_server.url}gradio_api/info").json()["named_endpoints"]


# ---- the API's defaults are the chosen model's ----


@pytest.mark.parametrize(
    "provider", [StabilityAI_SD35Large, BlackForestLabs_Flux1Dev], ids=lambda p: p.__name__
)
def test_omitted_parameters_take_the_chosen_models_own_defaults(
    provider, app_server, fresh, emulators
):
    client = visitor(app_server.url)
    try:
        name = providers.registry.name_of(provider)
        client.predict("defaults", model=name, api_name="/generate")
    finally:
        client.close()
    sent = emulator_for(emulators, provider).controls.jobs[-1].arguments
    assert sent["num_inference_steps"] == provider.spec.steps.default
    assert sent["guidance_scale"] == provider.spec.guidance.default
    expected = provider.prepare(prompt="x", aspect_ratio="1:1")
    assert (sent["width"], sent["height"]) == (expected["width"], expected["height"])


# ---- errors that say what is expected, logs with one line per expected failure ----


def test_a_raw_rest_call_with_the_wrong_number_of_values_says_what_is_expected(app_server, http):
    answer = http.post(f"{app_server.url}gradio_api/call/generate", json={"data": ["a", ""]})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert "takes 10 values" in error and "prompt, negative_prompt, model" in error
    assert "got 2" in error


def test_a_stream_range_error_names_the_field(app_server, fresh):
    client = visitor(app_server.url)
    try:
        job = client.submit("x", "", "flux-schnell", "1:1", 0, 0, 60, 3.5, 0, True,
                            api_name="/stream")  # fmt: skip
        with pytest.raises(AppError) as caught:
            job.result(timeout=60)
    finally:
        client.close()
    assert "num_inference_steps" in caught.value.message and "60" in caught.value.message


def test_expected_failures_are_logged_on_one_line_without_the_token(app_server, fresh, emulators):
    headers = visitor_headers("logged")
    client = Client(app_server.url, verbose=False, headers=headers)
    emulator_for(emulators, StabilityAI_SD35Large).controls.inject("quota")
    before = len(app_server.output)
    try:
        with pytest.raises(AppError):
            client.predict("   ", api_name="/generate")
        with pytest.raises(AppError):
            client.predict("quota", model="sd-3.5-large", **FAST, api_name="/generate")
    finally:
        client.close()
    key = visitor_key(None, headers["x-ip-token"], None)
    eventually(lambda: sum(key in line for line in app_server.output[before:]) >= 2, "logged")
    logged = "".join(app_server.output[before:])
    assert "Traceback" not in logged
    assert "prompt is empty" in logged and "quota" in logged
    assert headers["x-ip-token"] not in logged


# ---- every deadline holds ----


@pytest.fixture(scope="module")
def silent_space():
    with SilentSpace() as space:
        yield space


@pytest.fixture(scope="module")
def deadline_app(emulators, silent_space, tmp_path_factory):
    """SD 3.5 Large Turbo on a Space that accepts and never answers; one generation per
    visitor; a job timeout of 3 s."""
    urls = {p.__name__: emulator_for(emulators, p).url for p in providers.registry.providers()}
    urls[StabilityAI_SD35LargeTurbo.__name__] = silent_space.url
    app = AppProcess(
        ",".join(f"{name}={url}" for name, url in urls.items()),
        tmp_path_factory.mktemp("deadline-app"),
        SPACE_CANVAS_TIMEOUT="3",
        SPACE_CANVAS_PER_VISITOR="1",
        SPACE_CANVAS_FALLBACK="0",
    )
    yield app
    app.stop()


def test_a_silent_space_ends_at_the_deadline_and_frees_threads_and_slots(
    deadline_app, silent_space, fresh
):
    visitors = [visitor(deadline_app.url, f"silent-{i}") for i in range(4)]
    try:
        # Warm: the FLUX.1 [schnell] Client used at the end is built (and idle) already.
        visitors[0].predict("before", model="flux-schnell", **FAST, api_name="/generate")
        threads_at_start = threads_of(deadline_app.process.pid)
        jobs = [
            v.submit("silence", model="sd-3.5-large-turbo", **FAST, api_name="/generate")
            for v in visitors
        ]
        for job in jobs:
            with pytest.raises(AppError) as caught:
                job.result(timeout=60)
            message = caught.value.message
            assert "Stable Diffusion 3.5 Large Turbo" in message
            assert "did not finish within 3 s" in message
        assert silent_space.connections >= 1
        # The slot is free again: with one generation per visitor, the next one runs.
        path, _ = visitors[0].predict("after", model="flux-schnell", **FAST,
                                      api_name="/generate")  # fmt: skip
        assert Path(path).is_file()

        def threads_after_a_request() -> int:
            # anyio ends a worker thread idle for 10 s when the next one is asked for.
            visitors[0].predict("poke", model="flux-schnell", **FAST, api_name="/generate")
            return threads_of(deadline_app.process.pid)

        # Two threads of slack: the prune and client-reaper threads come and go on their own
        # timers (a CI run once ended one above the start); four silent jobs left holding
        # their threads would still be well above it.
        eventually(
            lambda: threads_after_a_request() <= threads_at_start + 2,
            "the app's threads back to their start",
            timeout=60,
            interval=1,
        )
    finally:
        for v in visitors:
            v.close()


def test_login_only_where_it_works_and_start_up_never_calls_the_hub(space_urls, tmp_path):
    # OAUTH_CLIENT_ID alone, off a Space: Gradio's mocked login would call the Hub.
    app = AppProcess(space_urls, tmp_path, OAUTH_CLIENT_ID="client-id-set-by-mistake")
    try:
        assert app.process.poll() is None, app.log()
        config = httpx.get(f"{app.url}config", timeout=30).json()
        assert not any(c.get("type") == "loginbutton" for c in config["components"])
        assert "NETWORK-GUARD" not in app.log()
        # The page's texts ship as translations; no component may show the button's.
        shown = json.dumps(config["components"])
        assert "Sign in with Hugging Face" not in shown
        assert '\\"key\\": \\"login\\"' not in shown
    finally:
        app.stop()
