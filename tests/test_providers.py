"""Providers against the emulator Spaces, through the real gradio_client over HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

import providers
from providers import (
    ASPECT_RATIOS,
    RUNTIME,
    BlackForestLabs_Flux1Dev,
    BlackForestLabs_Flux1Schnell,
    ImagePreview,
    ImageResponse,
    MalformedOutputError,
    QuotaExceededError,
    SpaceUnavailableError,
    StabilityAI_SD35Large,
    Timeouts,
    UpstreamTimeoutError,
)
from providers.gradio_space import SpaceClients, _WakingDeque
from tests.emulators import SilentSpace
from tests.emulators.contracts import CONTRACTS

from .helpers import collect, emulator_for, eventually

PROVIDERS = providers.registry.providers()
ROOT = Path(__file__).resolve().parent.parent


def test_every_provider_has_an_emulator():
    declared = {p.spec.space_id for p in PROVIDERS}
    emulated = {c.space_id for c in CONTRACTS.values()}
    assert declared <= emulated


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_every_aspect_ratio_gives_an_image_of_the_size_planned_and_reports_it(provider, spaces):
    emulator = spaces(provider)
    for ratio in ASPECT_RATIOS:
        items = collect(
            provider.generate(
                model=None, prompt="a lighthouse", aspect_ratio=ratio, num_inference_steps=2
            )
        )
        final = items[-1]
        assert type(final) is ImageResponse, ratio
        assert all(type(item) is ImagePreview for item in items[:-1])
        job = emulator.controls.jobs[-1]
        assert job.status == "completed"
        with Image.open(final.path) as image:
            image.load()
            # What the Space made is what the image reports, and what the page foretold.
            assert image.size == (job.width, job.height), ratio
        assert (final.width, final.height) == image.size
        assert provider.planned_size(ratio, None, None) == image.size, ratio
        if provider.spec.takes_size:
            assert (job.arguments["width"], job.arguments["height"]) == image.size


@pytest.mark.parametrize(
    "provider", [p for p in PROVIDERS if "Qwen-Image" in p.spec.space_id], ids=lambda p: p.__name__
)
def test_qwen_image_16_9_is_the_space_s_own_1664x928(provider, spaces):
    emulator = spaces(provider)
    (final,) = collect(provider.generate(model=None, prompt="a poster", aspect_ratio="16:9"))
    assert (final.width, final.height) == (1664, 928)
    job = emulator.controls.jobs[-1]
    assert job.arguments["aspect_ratio"] == "16:9"
    assert job.arguments["prompt_enhance"] is False  # no LLM rewrite of the visitor's prompt
    assert job.arguments["prompt"] == "a poster"


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_previews_match_what_the_space_streams(provider, spaces):
    emulator = spaces(provider)
    items = collect(provider.generate(model=None, prompt="a fox", num_inference_steps=3))
    previews = [item for item in items if isinstance(item, ImagePreview)]
    job = emulator.controls.jobs[-1]
    assert len(previews) == job.previews_sent
    assert bool(previews) == provider.spec.streams_previews
    assert [p.step for p in previews] == list(range(1, len(previews) + 1))
    assert items[-1].seed == job.seed_used


def test_without_previews_only_the_final_image_is_downloaded(spaces):
    emulator = spaces(BlackForestLabs_Flux1Dev)
    items = collect(
        BlackForestLabs_Flux1Dev.generate(
            model=None, prompt="a fox", num_inference_steps=4, previews=False
        )
    )
    assert [type(item) for item in items] == [ImageResponse]
    assert emulator.controls.jobs[-1].previews_sent == 4
    assert emulator.controls.files_served == 1  # the final image, once
    with Image.open(items[0].path) as image:
        image.load()  # whole, not a preview


def test_with_previews_each_image_is_downloaded_once(spaces):
    emulator = spaces(BlackForestLabs_Flux1Dev)
    items = collect(
        BlackForestLabs_Flux1Dev.generate(model=None, prompt="a fox", num_inference_steps=4)
    )
    assert [type(item) for item in items] == [ImagePreview] * 4 + [ImageResponse]
    # The Space sends the final image twice (last step, then result): fetched once.
    assert emulator.controls.files_served == 5


def test_seed_api_of_the_seed_documents_works_unchanged(spaces):
    spaces(StabilityAI_SD35Large)
    items = collect(
        StabilityAI_SD35Large.create_async_generator(
            model="stabilityai-stable-diffusion-3-5-large",
            messages=["Generate an image of a cat playing the piano."],
        )
    )
    (final,) = items
    assert final.alt == "Generate an image of a cat playing the piano."
    assert final.url.startswith(StabilityAI_SD35Large.url)
    assert final.images == [final.path]


def test_a_fixed_seed_reaches_the_space_and_comes_back(spaces):
    emulator = spaces(StabilityAI_SD35Large)
    items = collect(
        StabilityAI_SD35Large.create_async_generator(
            "sd-3.5", [{"role": "user", "content": "a cat"}], seed=1234, randomize_seed=False
        )
    )
    assert items[-1].seed == 1234
    assert emulator.controls.jobs[-1].arguments["seed"] == 1234


def test_quota_error_carries_the_upstream_message_and_the_wait(spaces):
    emulator = spaces(StabilityAI_SD35Large)
    emulator.controls.inject("quota")
    with pytest.raises(QuotaExceededError) as caught:
        collect(StabilityAI_SD35Large.generate(model=None, prompt="a cat"))
    error = caught.value
    assert error.wait is not None and error.wait.total_seconds() == 23 * 3600 + 41 * 60 + 7
    assert "ZeroGPU quota" in error.upstream_message
    assert error.message.startswith(StabilityAI_SD35Large.display_name)
    assert "23 h 41 min" in error.message


def test_an_unreachable_space_is_reported_as_unavailable(monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(StabilityAI_SD35Large, "url", f"http://127.0.0.1:{port}")
    with pytest.raises(SpaceUnavailableError) as caught:
        collect(StabilityAI_SD35Large.generate(model=None, prompt="a cat"))
    assert f"127.0.0.1:{port}" in str(caught.value)


def test_a_space_that_accepts_but_never_answers_fails_within_the_timeouts(monkeypatch):
    previous = RUNTIME.clients.timeouts
    RUNTIME.configure(timeouts=Timeouts(connect=0.5, read=0.5, total=5))
    try:
        with SilentSpace() as silent:
            monkeypatch.setattr(StabilityAI_SD35Large, "url", silent.url.rstrip("/"))
            with pytest.raises(SpaceUnavailableError, match="did not answer"):
                collect(StabilityAI_SD35Large.generate(model=None, prompt="a cat"))
    finally:
        RUNTIME.configure(timeouts=previous)


def test_the_job_deadline_covers_building_the_client_and_frees_its_thread(monkeypatch):
    """With the usual 60 s read timeout, a Space that never answers its config still ends
    at the job's own deadline, and the thread that asked for the config ends too."""
    with SilentSpace() as silent:
        threads_before = threading.active_count()
        monkeypatch.setattr(StabilityAI_SD35Large, "url", silent.url.rstrip("/"))
        with pytest.raises(UpstreamTimeoutError, match="did not finish within 2 s"):
            collect(StabilityAI_SD35Large.generate(model=None, prompt="a cat", timeout=2))
        assert silent.connections >= 1
        eventually(
            lambda: threading.active_count() <= threads_before,
            "the thread building the Client ended (idle workers end after 10 s)",
            timeout=30,
        )
    assert RUNTIME.clients.idle(silent.url.rstrip("/")) == 0  # no half-built Client kept


def test_a_stalled_job_times_out_and_is_cancelled_upstream(spaces):
    emulator = spaces(StabilityAI_SD35Large)
    emulator.controls.inject("stall")
    with pytest.raises(UpstreamTimeoutError):
        collect(StabilityAI_SD35Large.generate(model=None, prompt="a cat", timeout=1))
    emulator.controls.wait_for(lambda c: c.jobs and c.jobs[-1].status == "cancelled")


def test_leaving_the_loop_after_the_first_preview_cancels_the_upstream_job(spaces):
    emulator = spaces(BlackForestLabs_Flux1Dev)
    emulator.controls.set_step_latency(0.2)

    async def first_preview_then_leave():
        stream = BlackForestLabs_Flux1Dev.generate(
            model=None, prompt="a fox", num_inference_steps=30
        )
        async for item in stream:
            if isinstance(item, ImagePreview):
                break
        await stream.aclose()

    asyncio.run(first_preview_then_leave())
    emulator.controls.wait_for(lambda c: c.jobs and c.jobs[-1].status == "cancelled")
    assert emulator.controls.jobs[-1].previews_sent < 30


def test_cancelling_the_task_cancels_the_upstream_job(spaces):
    emulator = spaces(BlackForestLabs_Flux1Dev)
    emulator.controls.set_step_latency(0.2)

    async def cancel_after_first_preview():
        first = asyncio.Event()

        async def consume():
            async for item in BlackForestLabs_Flux1Dev.generate(
                model=None, prompt="a fox", num_inference_steps=30
            ):
                if isinstance(item, ImagePreview):
                    first.set()

        task = asyncio.create_task(consume())
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_after_first_preview())
    emulator.controls.wait_for(lambda c: c.jobs and c.jobs[-1].status == "cancelled")


def test_each_call_carries_only_its_own_visitor_token(spaces, monkeypatch):
    # A machine token in the environment must never be sent on visitors' behalf.
    monkeypatch.setenv("HF_TOKEN", "hf_machine_owner_token")
    emulator = spaces(StabilityAI_SD35Large)
    emulator.controls.hold()

    async def three_visitors():
        generate = StabilityAI_SD35Large.generate
        calls = [
            collect_async(generate(model=None, prompt="a", x_ip_token="tok-a")),
            collect_async(generate(model=None, prompt="b", x_ip_token="tok-b")),
            collect_async(generate(model=None, prompt="c")),
        ]
        tasks = [asyncio.create_task(call) for call in calls]
        await asyncio.to_thread(emulator.controls.wait_for_jobs, 3, status="running")
        emulator.controls.release()
        return await asyncio.gather(*tasks)

    asyncio.run(three_visitors())
    jobs = emulator.controls.jobs
    tokens = {job.arguments["prompt"]: job.headers.get("x-ip-token") for job in jobs}
    assert tokens == {"a": "tok-a", "b": "tok-b", "c": None}
    for job in emulator.controls.jobs:
        assert "hf_machine_owner_token" not in " ".join(job.headers.values())
        assert "x-hf-authorization" not in job.headers
        assert "authorization" not in job.headers


def test_job_threads_sleep_until_a_message_arrives_instead_of_polling(spaces):
    # gradio_client's job thread naps 50 ms whenever its message deque is empty, delaying
    # every preview. Our Clients give it deques that wake it; a gradio_client release that
    # made its deques another way would bring the naps back, silently but for this test.
    emulator = spaces(BlackForestLabs_Flux1Schnell)
    emulator.controls.hold()
    clients = SpaceClients()
    client = clients.acquire(BlackForestLabs_Flux1Schnell.url)
    try:
        job = client.submit(prompt="a wren", api_name="/infer")
        emulator.controls.wait_for_jobs(1, status="running")
        pending = list(client.pending_messages_per_event.values())
        assert pending and all(isinstance(messages, _WakingDeque) for messages in pending)
        emulator.controls.release()
        image, _seed = job.result(timeout=30)
        assert image["url"].startswith(emulator.url)
    finally:
        emulator.controls.release()
        clients.release(BlackForestLabs_Flux1Schnell.url, None, client, reusable=False)
        clients.close()


def test_a_waking_deque_still_answers_empty_when_nothing_comes(monkeypatch):
    # The wait is bounded, so gradio_client's loop keeps its own logic (nap, ask again).
    monkeypatch.setattr(_WakingDeque, "_MAX_WAIT", 0.0)
    messages = _WakingDeque()
    assert len(messages) == 0
    messages.append({"msg": "process_starts"})
    assert len(messages) == 1


def test_an_api_key_is_sent_on_that_call_only(spaces):
    emulator = spaces(StabilityAI_SD35Large)
    collect(StabilityAI_SD35Large.generate(model=None, prompt="mine", api_key="hf_visitor"))
    collect(StabilityAI_SD35Large.generate(model=None, prompt="theirs"))
    headers = {job.arguments["prompt"]: job.headers for job in emulator.controls.jobs}
    assert headers["mine"]["x-hf-authorization"] == "Bearer hf_visitor"
    assert "x-hf-authorization" not in headers["theirs"]


def test_sequential_calls_reuse_one_client(spaces):
    spaces(StabilityAI_SD35Large)
    RUNTIME.clients.forget(StabilityAI_SD35Large.url)
    collect(StabilityAI_SD35Large.generate(model=None, prompt="a"))
    collect(StabilityAI_SD35Large.generate(model=None, prompt="b"))
    assert RUNTIME.clients.idle(StabilityAI_SD35Large.url) == 1


def test_an_idle_client_is_closed_without_waiting_for_another_job(spaces):
    # An idle Client keeps a thread and a heartbeat connection to the Space open.
    spaces(StabilityAI_SD35Large)
    url = StabilityAI_SD35Large.url
    clients = SpaceClients(idle_seconds=2.0)
    try:
        client = clients.acquire(url)
        clients.release(url, None, client, reusable=True)
        assert clients.idle(url) == 1
        eventually(
            lambda: clients.idle(url) == 0 and not client.heartbeat.is_alive(),
            "the idle Client was closed",
        )
    finally:
        clients.close()


def test_one_visitor_cancelling_does_not_disturb_another_on_the_same_space(spaces):
    # Gradio cancels per session: a Client shared by both jobs would cancel both.
    emulator = spaces(BlackForestLabs_Flux1Dev)
    emulator.controls.set_step_latency(0.1)

    async def two_visitors():
        first_preview = asyncio.Event()

        def stayer_running(controls):
            return any(
                j.arguments["prompt"] == "stayer" and j.status == "running" for j in controls.jobs
            )

        async def leaver():
            async for item in BlackForestLabs_Flux1Dev.generate(
                model=None, prompt="leaver", num_inference_steps=30
            ):
                if isinstance(item, ImagePreview):
                    first_preview.set()
                    await asyncio.to_thread(emulator.controls.wait_for, stayer_running)
                    return  # leaving the loop cancels this job upstream

        async def stayer():
            await first_preview.wait()
            return await collect_async(
                BlackForestLabs_Flux1Dev.generate(
                    model=None, prompt="stayer", num_inference_steps=8
                )
            )

        stay = asyncio.create_task(stayer())
        leave = asyncio.create_task(leaver())
        await leave
        return await stay

    items = asyncio.run(two_visitors())
    assert isinstance(items[-1], ImageResponse)
    emulator.controls.wait_for(
        lambda c: (
            {j.arguments["prompt"]: j.status for j in c.jobs}
            == {"leaver": "cancelled", "stayer": "completed"}
        )
    )


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("not_image", "not an image"),
        ("truncated_image", "broken image"),
        ("huge_image", "without decoding"),
    ],
)
def test_a_malformed_image_is_refused_as_a_runtime_error(spaces, fault, words):
    emulator = spaces(StabilityAI_SD35Large)
    emulator.controls.inject(fault)
    with pytest.raises(MalformedOutputError, match=words) as caught:
        collect(StabilityAI_SD35Large.generate(model=None, prompt="a cat"))
    assert isinstance(caught.value, RuntimeError)


async def collect_async(stream):
    return [item async for item in stream]


_FIRST_CLIENT = """
import sys
import tests.network_guard  # refuses, and reports, every connection beyond loopback
import providers
from providers.gradio_space import SpaceClients

clients = SpaceClients()
client = clients.acquire(sys.argv[1])
assert "/infer" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
clients.release(sys.argv[1], None, client, reusable=False)
print("built")
"""


def test_a_processs_first_client_asks_nothing_of_anyone_but_the_space(emulators):
    # huggingface_hub's agent detection would download a registry from huggingface.co.
    url = emulator_for(emulators, StabilityAI_SD35Large).url
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "SPACE"))}
    result = subprocess.run(
        [sys.executable, "-c", _FIRST_CLIENT, url],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "built"
    assert "NETWORK-GUARD" not in result.stderr
