"""Every upstream fault, seen by an API user of the running app (`python app.py`).

For each fault the emulators can play (tests/emulators/faults.py), and for a Space that
refuses connections, a caller of `/generate` must get a message that names the model or Space,
says what went wrong and what helps; never a traceback, Gradio's generic "verbose error
reporting" text, or HTML. The app must go on serving: a request of another visitor that is in
flight while the fault plays succeeds, and so does the next request on the same model.

Two app processes: the session's `app_server` (fallback on, the default timeout) and, here,
a `strict` one with fallback off, a short job timeout (for "stall"), SD 3.5 Large on an
emulator that runs one job at a time (so "queued upstream" and "slot freed" are observable)
and SD 3.5 Large Turbo on a closed port.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

import providers
import tests.emulators.faults as emulator_faults
from canvas import generation
from canvas.generation import Request, Visitor
from canvas.pnginfo import read_parameters
from providers import (
    BlackForestLabs_Flux1Dev,
    BlackForestLabs_Flux1Schnell,
    ResponseError,
    SpaceUnavailableError,
    StabilityAI_SD35Large,
    StabilityAI_SD35LargeTurbo,
    Voodoohop_Flux1Schnell,
)
from tests.emulators import FAULTS, start_emulator
from tests.emulators.faults import HTTP_FAULTS

from .app_server import AppProcess
from .helpers import (
    emulator_for,
    eventually,
    stream_frame,
    stream_frames,
    visitor,
    visitor_headers,
)

STRICT_TIMEOUT = 8  # seconds: the strict app's SPACE_CANVAS_TIMEOUT; bystanders are held within it
# Small, quick jobs: every model accepts 512x512 and 2 steps.
FAST = {"width": 512, "height": 512, "num_inference_steps": 2}
HELPS = re.compile(
    r"try again|retry|pick another model|another model|sign in|log in|later", re.IGNORECASE
)
NEVER = (
    "Traceback",
    'File "',
    "verbose error reporting",
    "show_error",
    "has raised an exception",
    "Create a free account",
    "href",
)
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]|&lt;|&gt;|&amp;")


# ---- helpers ----


def names(provider) -> tuple[str, ...]:
    return provider.label, provider.display_name, provider.spec.space_id


def assert_clear(message: str, provider, problem: str, *, wait: str | None = None) -> None:
    """A message a person can act on: which model, what happened, what helps."""
    assert any(name in message for name in names(provider)), (
        f"the message does not name the model or Space ({names(provider)}): {message!r}"
    )
    assert re.search(problem, message, re.IGNORECASE), (
        f"the message does not say what went wrong ({problem}): {message!r}"
    )
    assert HELPS.search(message), f"the message does not say what helps: {message!r}"
    for text in NEVER:
        assert text not in message, f"{text!r} in the message: {message!r}"
    assert not MARKUP.search(message), f"markup in the message: {message!r}"
    if wait is not None:
        assert wait in message, f"the wait ({wait}) is missing: {message!r}"


def generate(client: Client, prompt: str, model: str, **settings):
    """`/generate` with small, quick settings; returns (path, seed)."""
    return client.predict(prompt, model=model, **(FAST | settings), api_name="/generate")


def failure(client: Client, model: str, prompt: str = "a lighthouse at dusk", **settings) -> str:
    """The AppError message of a `/generate` call that must fail."""
    with pytest.raises(AppError) as caught:
        generate(client, prompt, model, **settings)
    return caught.value.message


def assert_image(path: str, prompt: str) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
    assert read_parameters(path).prompt == prompt


def records(emulator, prompt: str) -> list:
    return [job for job in emulator.controls.jobs if job.arguments["prompt"] == prompt]


def running(prompt: str):
    """A wait_for predicate: a job with this prompt is running on the emulator."""
    return lambda controls: any(
        job.arguments["prompt"] == prompt and job.status == "running" for job in controls.jobs
    )


def finished(prompt: str):
    return lambda controls: any(
        job.arguments["prompt"] == prompt and job.status != "running" for job in controls.jobs
    )


@contextmanager
def bystander(client: Client, emulator, model: str, prompt: str = "a bystander's cat") -> Iterator:
    """Another visitor's request, in flight (held on its Space) while the block runs; it must
    then finish with its own image."""
    emulator.controls.hold()
    try:
        job = client.submit(prompt, model=model, **FAST, api_name="/generate")
        emulator.controls.wait_for(running(prompt), timeout=30)
        yield
        emulator.controls.release()
        path, _ = job.result(timeout=60)
        assert_image(path, prompt)
        (record,) = records(emulator, prompt)
        assert record.status == "completed"
    finally:
        emulator.controls.release()


def waiting(emulator) -> int:
    """Jobs waiting in the emulator Space's Gradio queue (not yet started)."""
    answer = httpx.get(f"{emulator.url}gradio_api/queue/status", timeout=10)
    return answer.json()["queue_size"]


def stream_outputs_with_previews(job) -> list:
    """The previews a `/stream` job has shown."""
    return [frame.preview for frame in stream_frames(job) if frame.preview]


# ---- fixtures ----


@pytest.fixture(scope="module")
def visitors(app_server):
    """Two visitors of the app (two Clients: two sessions), kept for the module because
    closing a Client waits a second for its heartbeat thread."""
    clients = [visitor(app_server.url, name) for name in ("user", "neighbour")]
    yield clients
    for client in clients:
        client.close()


@pytest.fixture
def user(visitors, fresh):
    return visitors[0]


@pytest.fixture
def neighbour(visitors, fresh):
    return visitors[1]


@pytest.fixture(scope="module")
def single_slot():
    """An SD 3.5 Large emulator that runs one job at a time: a second one waits in its queue."""
    emulator = start_emulator("sd35-large", concurrency_limit=1)
    yield emulator
    emulator.close()


@pytest.fixture(scope="module")
def closed_port():
    """A loopback port bound by nobody listening: connections are refused, and no other
    process can take the port while the module runs."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        yield reserved.getsockname()[1]


@pytest.fixture(scope="module")
def strict_app(emulators, single_slot, closed_port, tmp_path_factory):
    urls = {p.__name__: emulator_for(emulators, p).url for p in providers.registry.providers()}
    urls[StabilityAI_SD35Large.__name__] = single_slot.url
    urls[StabilityAI_SD35LargeTurbo.__name__] = f"http://127.0.0.1:{closed_port}"
    app = AppProcess(
        ",".join(f"{name}={url}" for name, url in urls.items()),
        tmp_path_factory.mktemp("strict-app"),
        SPACE_CANVAS_FALLBACK="0",
        SPACE_CANVAS_TIMEOUT=str(STRICT_TIMEOUT),
    )
    yield app
    app.stop()


@pytest.fixture(scope="module")
def strict_visitors(strict_app):
    clients = [visitor(strict_app.url, name) for name in ("user", "neighbour")]
    yield clients
    for client in clients:
        client.close()


@pytest.fixture
def strict_user(strict_visitors, fresh, single_slot):
    single_slot.controls.reset()
    yield strict_visitors[0]
    single_slot.controls.reset()


@pytest.fixture
def strict_neighbour(strict_visitors, strict_user):
    return strict_visitors[1]


def test_every_fault_is_covered_here():
    covered = set(FAULT_MESSAGES) | {"stall", "crash_mid_stream", "wrong_size"}
    assert covered == set(FAULTS)


# ---- one test per fault: the message, and the app serving on ----

# fault -> (what the message must say went wrong, the wait it must carry)
FAULT_MESSAGES: dict[str, tuple[str, str | None]] = {
    "quota": (r"quota", "23 h 41 min"),
    "quota_old": (r"quota", "9 min"),
    "quota_html": (r"quota", "1 h 02 min"),
    "runs_limit": (r"quota|runs limit", None),
    "gpu_limit": (r"GPU limit", None),
    "no_gpu": (r"no GPU", None),
    "gpu_aborted": (r"abort", None),
    "generic_error": (r"failed|error", None),
    "sleeping": (r"asleep|sleeping|not running|paused|unavailable", None),
    "queue_503": (r"queue|busy", None),
    "not_image": (r"not an image", None),
    "truncated_image": (r"broken|truncated|incomplete|corrupt", None),
    "huge_image": (r"too large|larger|too big", None),
}


@pytest.mark.parametrize("fault", list(FAULT_MESSAGES))
def test_a_fault_reads_as_a_clear_message_and_others_are_served(fault, user, neighbour, emulators):
    sd = emulator_for(emulators, StabilityAI_SD35Large)
    other = emulator_for(emulators, BlackForestLabs_Flux1Dev)
    problem, wait = FAULT_MESSAGES[fault]
    if fault == "sleeping":
        # A Space that went to sleep after serving: the app has talked to it before.
        generate(user, "before it slept", "sd-3.5-large")
    sd.controls.inject(fault, times=-1 if fault == "sleeping" else 1)
    with bystander(neighbour, other, "flux-dev"):
        message = failure(user, "sd-3.5-large")
    sd.controls.clear_faults()

    assert_clear(message, StabilityAI_SD35Large, problem, wait=wait)
    if fault not in HTTP_FAULTS:
        assert [job.fault for job in sd.controls.jobs if job.fault] == [fault]  # it played
    # The same model serves the next request.
    path, _ = generate(user, "right after", "sd-3.5-large")
    assert_image(path, "right after")


def test_the_quota_message_drops_the_html_tail(user, emulators):
    emulator_for(emulators, StabilityAI_SD35Large).controls.inject("quota_html")
    message = failure(user, "sd-3.5-large")
    assert "<a" not in message and "free account" not in message
    assert "1 h 02 min" in message


def test_no_gpu_names_the_problem_without_upstream_advice_about_its_own_page(user, emulators):
    """ZeroGPU's "Try re-running outside of examples" speaks of the upstream page's examples,
    which an API caller of this app never saw."""
    emulator_for(emulators, StabilityAI_SD35Large).controls.inject("no_gpu")
    message = failure(user, "sd-3.5-large")
    assert_clear(message, StabilityAI_SD35Large, r"no GPU")
    assert "examples" not in message.lower()


def test_a_crash_after_previews_is_an_error_not_a_silent_retry(user, neighbour, emulators):
    dev = emulator_for(emulators, BlackForestLabs_Flux1Dev)
    dev.controls.inject("crash_mid_stream")
    with bystander(neighbour, emulator_for(emulators, StabilityAI_SD35Large), "sd-3.5-large"):
        job = user.submit(
            "a fox", "", "flux-dev", "1:1", 512, 512, 6, 3.5, 0, True, api_name="/stream"
        )
        with pytest.raises(AppError) as caught:
            job.result(timeout=60)
    assert stream_outputs_with_previews(job), "the user saw no preview before the crash"
    assert_clear(caught.value.message, BlackForestLabs_Flux1Dev, r"CUDA|crash|error")
    (record,) = dev.controls.jobs  # one attempt: no retry on the same Space
    assert record.fault == "crash_mid_stream" and record.previews_sent == 2
    others = {kind: e.controls.jobs for kind, e in emulators.items() if e is not dev}
    assert [j.arguments["prompt"] for jobs in others.values() for j in jobs] == [
        "a bystander's cat"
    ]
    path, _ = generate(user, "after the crash", "flux-dev")
    assert_image(path, "after the crash")


def test_a_crash_on_a_non_streaming_space_says_what_helps(user, emulators):
    emulator_for(emulators, StabilityAI_SD35Large).controls.inject("crash_mid_stream")
    message = failure(user, "sd-3.5-large")
    assert_clear(message, StabilityAI_SD35Large, r"CUDA|crash|error")


def run_generation(request: Request, output_dir, *, fallback: bool = True):
    frames: list = []

    async def go() -> None:
        async for frame in generation.generate(
            request, Visitor(), output_dir=output_dir, fallback=fallback, timeout=60
        ):
            frames.append(frame)

    try:
        asyncio.run(go())
    except ResponseError as error:
        return frames, error
    return frames, None


def test_no_fallback_after_a_preview_even_for_a_failure_that_would_allow_one(
    spaces, monkeypatch, tmp_path
):
    """FLUX.1 [dev] has no second Space, and its mid-stream crash is not a fallback kind of
    failure; so this runs in-process, giving FLUX.1 [dev] an alternative and making the
    mid-stream failure one that allows fallback ("GPU task aborted"). Before any preview it
    falls back (the control); after a preview it must not."""
    dev = spaces(BlackForestLabs_Flux1Dev)
    alternative = spaces(Voodoohop_Flux1Schnell)
    monkeypatch.setattr(
        providers.registry,
        "alternatives",
        lambda p: [Voodoohop_Flux1Schnell] if p is BlackForestLabs_Flux1Dev else [],
    )
    monkeypatch.setattr(emulator_faults, "CUDA_CRASH_MESSAGE", emulator_faults.GPU_ABORTED_MESSAGE)
    request = Request(prompt="a fox", model="flux-dev", num_inference_steps=4)

    dev.controls.inject("gpu_aborted")  # before any preview: falls back
    frames, error = run_generation(request, tmp_path)
    assert error is None
    assert frames[-1].record.model == "voodoohop-flux-schnell"
    assert [j.status for j in alternative.controls.jobs] == ["completed"]

    alternative.controls.reset()
    dev.controls.inject("crash_mid_stream")  # "GPU task aborted" after two previews
    frames, error = run_generation(request, tmp_path)
    assert isinstance(error, SpaceUnavailableError) and error.fallback_ok
    assert any(frame.preview for frame in frames)
    assert not alternative.controls.jobs, "fell back after a preview was shown"


def test_wrong_size_gives_the_image_with_its_real_size(user, neighbour, emulators):
    """The user gets the image the Space made, and its parameters tell its real size."""
    sd = emulator_for(emulators, StabilityAI_SD35Large)
    sd.controls.inject("wrong_size")
    with bystander(neighbour, emulator_for(emulators, BlackForestLabs_Flux1Dev), "flux-dev"):
        path, seed = generate(user, "a wide barn", "sd-3.5-large", width=1024, height=1024)
    (record,) = sd.controls.jobs
    assert record.fault == "wrong_size" and record.width == 512
    with Image.open(path) as image:
        assert image.size == (512, 1024)
    saved = read_parameters(path)
    assert (saved.width, saved.height) == (512, 1024)  # what it is, not what was asked
    assert saved.seed == seed == record.seed_used


def test_a_stalled_space_times_out_with_a_clear_message_and_frees_its_slot(
    strict_user, strict_neighbour, single_slot
):
    single_slot.controls.inject("stall")
    job = strict_user.submit("a stalled cat", model="sd-3.5-large", **FAST, api_name="/generate")
    single_slot.controls.wait_for(running("a stalled cat"), timeout=30)
    # Meanwhile another visitor is served.
    path, _ = generate(strict_neighbour, "meanwhile", "flux-schnell")
    assert_image(path, "meanwhile")
    with pytest.raises(AppError) as caught:
        job.result(timeout=STRICT_TIMEOUT + 30)
    assert_clear(
        caught.value.message, StabilityAI_SD35Large, r"did not finish|too long|timed? ?out"
    )
    # The app cancelled the upstream job, so the Space's one slot is free again.
    single_slot.controls.wait_for(finished("a stalled cat"), timeout=10)
    assert records(single_slot, "a stalled cat")[0].status == "cancelled"
    path, _ = generate(strict_user, "after the stall", "sd-3.5-large")
    assert_image(path, "after the stall")


def test_a_space_refusing_connections_reads_as_unreachable(
    strict_user, strict_neighbour, emulators
):
    with bystander(strict_neighbour, emulator_for(emulators, BlackForestLabs_Flux1Dev), "flux-dev"):
        message = failure(strict_user, "sd-3.5-large-turbo")
    assert_clear(
        message,
        StabilityAI_SD35LargeTurbo,
        r"cannot be reached|unreachable|refused|not running|unavailable|down",
    )
    # Again: the same clear answer (no hang, no other wording); other models are served.
    assert failure(strict_user, "sd-3.5-large-turbo") == message
    path, _ = generate(strict_user, "elsewhere", "sd-3.5-large")
    assert_image(path, "elsewhere")


# ---- fallback between the Spaces of FLUX.1 [schnell] ----

FALLBACK_FAULTS = [
    "quota",
    "quota_old",
    "quota_html",
    "runs_limit",
    "gpu_limit",
    "no_gpu",
    "gpu_aborted",
    "sleeping",
    "queue_503",
]


@pytest.mark.parametrize("fault", FALLBACK_FAULTS)
def test_schnell_falls_back_to_the_voodoohop_space(fault, user, neighbour, emulators):
    bfl = emulator_for(emulators, BlackForestLabs_Flux1Schnell)
    voodoohop = emulator_for(emulators, Voodoohop_Flux1Schnell)
    bfl.controls.inject(fault, times=-1 if fault == "sleeping" else 1)
    with bystander(neighbour, emulator_for(emulators, StabilityAI_SD35Large), "sd-3.5-large"):
        path, seed = generate(user, "a fox in snow", "flux-schnell")
    bfl.controls.clear_faults()

    assert_image(path, "a fox in snow")
    (job,) = voodoohop.controls.jobs
    assert job.status == "completed" and job.arguments["prompt"] == "a fox in snow"
    assert seed == job.seed_used
    assert read_parameters(path).space == Voodoohop_Flux1Schnell.spec.space_id
    played = [j for j in bfl.controls.jobs if j.status != "completed"]
    if fault in HTTP_FAULTS:
        assert not played  # refused at the door: no job ran
    else:
        assert [(j.fault, j.status) for j in played] == [(fault, "error")]


def test_the_stream_says_it_is_trying_the_other_space(user, emulators):
    emulator_for(emulators, BlackForestLabs_Flux1Schnell).controls.inject("quota")
    job = user.submit("a fox", "", "flux-schnell", "1:1", 512, 512, 2, 3.5, 0, True,
                      api_name="/stream")  # fmt: skip
    job.result(timeout=60)
    frames = stream_frames(job)
    statuses = [frame.status for frame in frames if frame.status]
    assert any("quota" in s and "voodoohop" in s for s in statuses), statuses
    gallery = [frame.gallery for frame in frames if frame.gallery][-1]
    assert gallery[0]["caption"].startswith(Voodoohop_Flux1Schnell.display_name)


def test_when_both_schnell_spaces_are_out_of_quota_the_user_is_told_clearly(user, emulators):
    emulator_for(emulators, BlackForestLabs_Flux1Schnell).controls.inject("quota")
    emulator_for(emulators, Voodoohop_Flux1Schnell).controls.inject("quota_old")
    message = failure(user, "flux-schnell")
    # What happened on the chosen Space first, then on the one tried instead.
    chosen, _, tried = message.partition("Tried instead:")
    assert tried, f"the message does not say what happened on each Space: {message!r}"
    assert_clear(chosen, BlackForestLabs_Flux1Schnell, r"quota", wait="23 h 41 min")
    assert_clear(tried, Voodoohop_Flux1Schnell, r"quota", wait="9 min")
    path, _ = generate(user, "later on", "flux-schnell")
    assert_image(path, "later on")


def test_a_russian_visitor_reads_what_happened_on_both_spaces(app_server, fresh, emulators):
    emulator_for(emulators, BlackForestLabs_Flux1Schnell).controls.inject("quota")
    emulator_for(emulators, Voodoohop_Flux1Schnell).controls.inject("quota_old")
    russian = Client(
        app_server.url,
        verbose=False,
        headers=visitor_headers("russian") | {"Accept-Language": "ru-RU,ru;q=0.9"},
    )
    try:
        job = russian.submit("лиса", "", "flux-schnell", "1:1", 512, 512, 2, 3.5, 0, True,
                             api_name="/stream")  # fmt: skip
        with pytest.raises(AppError) as caught:
            job.result(timeout=60)
    finally:
        russian.close()
    message = caught.value.message
    # The chosen Space first, then the one tried instead: each named, each with its wait.
    chosen, _, tried = message.partition("Попробовал вместо него")
    assert tried, message
    assert BlackForestLabs_Flux1Schnell.display_name in chosen
    assert "примерно через 23 ч 41 мин" in chosen
    assert Voodoohop_Flux1Schnell.display_name in tried
    assert "9 мин" in tried and "квота GPU" in tried
    assert "Tried instead" not in message and "quota" not in message


@pytest.mark.parametrize("fault", ["quota", "queue_503"])
def test_without_fallback_the_error_is_reported_and_no_other_space_runs(
    fault, strict_user, strict_neighbour, emulators
):
    bfl = emulator_for(emulators, BlackForestLabs_Flux1Schnell)
    voodoohop = emulator_for(emulators, Voodoohop_Flux1Schnell)
    bfl.controls.inject(fault)
    dev = emulator_for(emulators, BlackForestLabs_Flux1Dev)
    with bystander(strict_neighbour, dev, "flux-dev"):
        message = failure(strict_user, "flux-schnell")
    problem, wait = FAULT_MESSAGES[fault]
    assert_clear(message, BlackForestLabs_Flux1Schnell, problem, wait=wait)
    assert not voodoohop.controls.jobs
    path, _ = generate(strict_user, "next one", "flux-schnell")
    assert_image(path, "next one")
    assert not voodoohop.controls.jobs


# ---- cancellation ----


def test_cancel_while_waiting_for_a_gpu_leaves_the_other_visitor_alone(user, neighbour, emulators):
    sd = emulator_for(emulators, StabilityAI_SD35Large)
    sd.controls.hold()
    mine = user.submit("alice's cat", "", "sd-3.5-large", "1:1", 512, 512, 2, 3.5, 0, True,
                       api_name="/stream")  # fmt: skip
    theirs = neighbour.submit("bob's dog", model="sd-3.5-large", **FAST, api_name="/generate")
    sd.controls.wait_for(running("alice's cat"), timeout=30)
    sd.controls.wait_for(running("bob's dog"), timeout=30)
    mine.cancel()
    sd.controls.wait_for(finished("alice's cat"), timeout=30)
    assert records(sd, "alice's cat")[0].status == "cancelled"
    assert records(sd, "bob's dog")[0].status == "running"  # the same Space, untouched
    sd.controls.release()
    path, _ = theirs.result(timeout=60)
    assert_image(path, "bob's dog")
    assert records(sd, "bob's dog")[0].status == "completed"
    # The app serves alice's next request.
    path, _ = generate(user, "alice again", "sd-3.5-large")
    assert_image(path, "alice again")


def test_cancel_while_streaming_stops_that_job_only(user, neighbour, emulators):
    dev = emulator_for(emulators, BlackForestLabs_Flux1Dev)
    # Bob's job on the same Space stays in flight (stalled after taking its GPU) until release.
    dev.controls.inject("stall")
    theirs = neighbour.submit("bob's fox", model="flux-dev", **FAST, api_name="/generate")
    dev.controls.wait_for(running("bob's fox"), timeout=30)
    dev.controls.set_step_latency(0.05)  # alice's 50 steps would take 2.5 s
    mine = user.submit("alice's stream", "", "flux-dev", "1:1", 512, 512, 50, 3.5, 0, True,
                       api_name="/stream")  # fmt: skip
    dev.controls.wait_for(
        lambda c: any(j.arguments["prompt"] == "alice's stream" and j.previews_sent >= 2
                      for j in c.jobs), timeout=30)  # fmt: skip
    mine.cancel()
    dev.controls.wait_for(finished("alice's stream"), timeout=30)
    (cancelled,) = records(dev, "alice's stream")
    assert cancelled.status == "cancelled" and cancelled.previews_sent < 50
    assert records(dev, "bob's fox")[0].status == "running"  # the same Space, untouched
    dev.controls.set_step_latency(0)
    dev.controls.release()
    path, _ = theirs.result(timeout=60)
    assert_image(path, "bob's fox")
    path, _ = generate(user, "alice again", "flux-dev")
    assert_image(path, "alice again")


def test_cancel_while_queued_upstream_removes_the_job_from_the_spaces_queue(
    strict_user, single_slot
):
    # Someone else holds the Space's only slot.
    holder = Client(single_slot.url, verbose=False, download_files=False)
    single_slot.controls.hold()
    try:
        occupying = holder.submit("slot holder", "", api_name="/infer")
        single_slot.controls.wait_for(running("slot holder"), timeout=30)
        queued = strict_user.submit("queued cat", "", "sd-3.5-large", "1:1", 512, 512, 2, 3.5,
                                    0, True, api_name="/stream")  # fmt: skip
        for output in queued:  # the app's own status line says where the job waits
            if "queue" in (stream_frame(output).status or "").lower():
                break
        else:
            pytest.fail("the app never said the job waits in the Space's queue")
        assert waiting(single_slot) == 1
        queued.cancel()
        eventually(lambda: waiting(single_slot) == 0, "the job left the Space's queue")
        single_slot.controls.release()
        occupying.result(timeout=60)
        # FIFO: had the cancelled job stayed in the Space's queue, it would run before this.
        path, _ = generate(strict_user, "after the queue", "sd-3.5-large")
        assert_image(path, "after the queue")
    finally:
        single_slot.controls.release()
        holder.close()
    assert [j.arguments["prompt"] for j in single_slot.controls.jobs] == [
        "slot holder",
        "after the queue",
    ]
