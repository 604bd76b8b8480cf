"""Hostile and odd input to the running app: `/generate`, its files, its image folder, tokens.

Property-based (hypothesis) over every parameter of `/generate`: whatever a caller sends, the
answer is an image or an error that names the offending field; never a server error, a
traceback, Gradio's generic "verbose error reporting" text, or an upstream call with a value
outside that Space's contract (tests/emulators/contracts.py).

gradio_client encodes arguments as strict JSON and refuses NaN and infinities before sending
anything, so most of these tests speak raw HTTP to `/gradio_api/call/generate`, sending exactly
the JSON (NaN and Infinity included) a hand-written client could send.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from PIL import Image

import providers
from canvas.files import ImageFolder
from canvas.pnginfo import read_parameters
from providers import ASPECT_RATIOS, MAX_PROMPT_CHARS, MAX_SEED
from tests.emulators.contracts import CONTRACTS, PIPELINE_GRID

from .app_server import ROOT

MACHINE_TOKEN = "hf_machine_owner_token"  # what tests/app_server.py puts in HF_TOKEN
FIELDS = (
    "prompt",
    "negative_prompt",
    "model",
    "aspect_ratio",
    "width",
    "height",
    "num_inference_steps",
    "guidance_scale",
    "seed",
    "randomize_seed",
)
# How an error message may name each field.
FIELD_NAMES = {
    "prompt": r"(?<!negative_)(?<!negative )\bprompt\b",
    "negative_prompt": r"negative[_ ]prompt",
    "model": r"\bmodel\b",
    "aspect_ratio": r"aspect[_ ]ratio",
    "width": r"\bwidth\b",
    "height": r"\bheight\b",
    "num_inference_steps": r"num_inference_steps|\bsteps\b",
    "guidance_scale": r"guidance",
    "seed": r"(?<!randomize_)\bseed\b",
    "randomize_seed": r"randomize_seed|random seed",
}
NEVER = ("Traceback", 'File "', "verbose error reporting", "show_error", "has raised an exception")
BAD_INPUT_TITLE = "Please check your input"
# C0 and C1 control characters except tab and newline: what a prompt loses on the way.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MODELS = [entry.name for entry in providers.registry.entries()]
SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same examples every run
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # No shrinking: each example is a round trip to the app, and shrinking a failure would
    # cost far more than the run; the failing example is reported as drawn.
    phases=(Phase.explicit, Phase.generate),
)


# ---- talking to the app ----


@dataclass
class Answer:
    status: int  # HTTP status of the call
    data: list | None = None  # [file, seed] on success
    error: str | None = None
    title: str | None = None
    generic: bool = False  # Gradio's error without a message (the app raised something else)

    @property
    def path(self) -> str:
        return self.data[0]["path"]


def call(http: httpx.Client, app_url: str, values: list, headers: dict | None = None) -> Answer:
    """POST the values as JSON (NaN and Infinity allowed), then read the event stream."""
    body = json.dumps({"data": values}, allow_nan=True)
    posted = http.post(
        f"{app_url}gradio_api/call/generate",
        content=body,
        headers={"content-type": "application/json", **(headers or {})},
    )
    if posted.status_code != 200:
        return Answer(status=posted.status_code, error=posted.text)
    stream = http.get(f"{app_url}gradio_api/call/generate/{posted.json()['event_id']}")
    assert stream.status_code == 200, stream.text
    event = data = None
    for block in stream.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if lines.get("event") in ("complete", "error"):
            event, data = lines["event"], json.loads(lines["data"])
    assert event is not None, f"no final event in {stream.text[:500]!r}"
    if event == "complete":
        return Answer(status=200, data=data)
    if not isinstance(data, dict) or data.get("error") is None:
        return Answer(status=200, generic=True, error=json.dumps(data))
    return Answer(status=200, error=data["error"], title=data.get("title"))


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=60) as client:
        yield client


def reset(emulators) -> None:
    for emulator in emulators.values():
        emulator.controls.reset()


def all_jobs(emulators) -> list:
    return [job for emulator in emulators.values() for job in emulator.controls.jobs]


# ---- the checks every answer gets ----


def assert_within_contract(job) -> None:
    """The arguments an emulator Space received are all within its contract."""
    contract = CONTRACTS[job.kind]
    arguments = job.arguments
    assert set(arguments) == set(contract.parameters), arguments
    for name, slider in contract.sliders.items():
        value = arguments[name]
        assert isinstance(value, int | float) and not isinstance(value, bool), (name, value)
        assert math.isfinite(value) and slider.minimum <= value <= slider.maximum, (name, value)
    # Spaces that pick the size from a ratio input take no width or height; a Space whose
    # steps input is unconfirmed is sent none.
    for side in {"width", "height", "num_inference_steps"} & set(arguments):
        assert float(arguments[side]).is_integer(), (side, arguments[side])
    for side in {"width", "height"} & set(arguments):
        assert int(arguments[side]) % contract.sliders[side].step == 0, (side, arguments)
        if contract.off_grid_size == "error":
            assert int(arguments[side]) % PIPELINE_GRID == 0, (side, arguments)
    seed = arguments["seed"]
    assert not isinstance(seed, bool) and float(seed).is_integer() and 0 <= seed <= MAX_SEED
    assert isinstance(arguments["randomize_seed"], bool)
    for text in ("prompt", "negative_prompt"):
        if text in arguments:
            value = arguments[text]
            assert isinstance(value, str) and not CONTROL.search(value), (text, value)
            assert len(value) <= MAX_PROMPT_CHARS
    assert arguments["prompt"].strip()


def assert_sound(answer: Answer, emulators, *, offending: str | None = None) -> None:
    """An image made within contract, or a refusal by name made before any upstream call."""
    assert answer.status < 500, f"HTTP {answer.status}: {answer.error}"
    jobs = all_jobs(emulators)
    for job in jobs:
        assert_within_contract(job)
    if answer.data is not None:
        (job,) = jobs
        assert job.status == "completed"
        with Image.open(answer.path) as image:
            assert image.format == "PNG"
            assert image.size == (job.width, job.height)
        assert read_parameters(answer.path).seed == answer.data[1] == job.seed_used
        return
    assert answer.status == 200, f"HTTP {answer.status}: {answer.error}"
    assert not answer.generic, "Gradio's generic error: the app raised something unexpected"
    message = answer.error
    for text in NEVER:
        assert text not in message, message
    assert answer.title == BAD_INPUT_TITLE, f"not a refusal of the input: {message!r}"
    assert not jobs, f"refused, yet a Space was called: {jobs}"
    if offending is not None:
        assert re.search(FIELD_NAMES[offending], message), (offending, message)
    else:
        assert any(re.search(pattern, message) for pattern in FIELD_NAMES.values()), message


# ---- strategies ----

NAN, INF = float("nan"), float("inf")
FRAGMENTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ [link](javascript:alert(1)) # head",
    "&amp; &lt;b&gt;",
    "{{7*7}} ${HOME} %s {0}",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\x9f",
    "\r\n",
    "\n",
    "\t",
    "\u202e",
    "\u2028",
    "🙂",
    'a, b: "c"',
    "\\",
    "Negative prompt: fog",
    "\nSteps: 3, Seed: 1",
    "a lighthouse",
]
TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join),
    st.sampled_from([MAX_PROMPT_CHARS - 1, MAX_PROMPT_CHARS, MAX_PROMPT_CHARS + 1, 10_000]).map(
        lambda n: "x" * n
    ),
)
NUMERIC_TEXTS = ["1e3", " 512 ", "nan", "NaN", "inf", "-Infinity", "1e400", "0x10", "1_024",
                 "", " ", "7.5", "-1", "٣", "3,5", "12px"]  # fmt: skip
ODD_NUMBERS = [NAN, INF, -INF, -0.0, 0.5, 1e308, -1e308, 5e-324, 2**31, 2**31 - 1, 2**53 + 1,
               2**64, 10**30, -(10**30), 10**400]  # fmt: skip
NUMERIC_STRINGS = st.one_of(
    st.sampled_from(NUMERIC_TEXTS),
    st.integers(-100, 5000).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)
WEIRD = st.one_of(
    st.none(),
    st.booleans(),
    st.lists(st.integers(-2, 2), min_size=1, max_size=2),  # empty ones: falsy, like None
    st.dictionaries(st.sampled_from(["a", "value"]), st.integers(0, 2), min_size=1, max_size=1),
    st.sampled_from(ODD_NUMBERS),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    NUMERIC_STRINGS,
    TEXTS,
)
ODD_MODELS = ["flux", "sd-3.5", " FLUX-DEV ", "BlackForestLabs_Flux1Dev", "dall-e-3",
              "../../etc/passwd", "<b>flux</b>", "flux\x00", ""]  # fmt: skip
_SIDES = [31, 32, 33, 255, 4096, 4097, -1, 1.5, "512", " 768 ", 2**31]
EDGES = {
    "prompt": TEXTS,
    "negative_prompt": TEXTS,
    "model": st.sampled_from([*MODELS, *ODD_MODELS]),
    "aspect_ratio": st.sampled_from(
        [*ASPECT_RATIOS, "7:3", " 1:1", "16:9 ", "1:1\x00", "", "0:0", "1:0", "16/9"]
    ),
    "width": st.sampled_from(_SIDES),
    "height": st.sampled_from(_SIDES),
    "num_inference_steps": st.sampled_from([0, 1, 50, 51, -1, 4.5, 4.0, "3", "3.0", 10**9]),
    "guidance_scale": st.sampled_from([-0.1, 0, 0.99, 1, 7.5, 7.51, 15, 15.01, "3.5", 1e-320]),
    "seed": st.sampled_from([-1, 0, MAX_SEED, MAX_SEED + 1, 1.5, "42", 2**63]),
    "randomize_seed": st.sampled_from([0, 1, "true", "false", "1", 1.0, 2, 0.0]),
}
VALID = {
    "prompt": st.sampled_from(["a lighthouse at dusk", "a red fox in snow"]),
    "negative_prompt": st.sampled_from(["", "blurry"]),
    "model": st.sampled_from(MODELS),
    "aspect_ratio": st.sampled_from(list(ASPECT_RATIOS)),
    "width": st.sampled_from([0, 256, 512]),
    "height": st.sampled_from([0, 256, 512]),
    "num_inference_steps": st.integers(1, 3),
    "guidance_scale": st.sampled_from([1.0, 3.5, 7.5]),  # within every model's range
    "seed": st.integers(0, MAX_SEED),
    "randomize_seed": st.booleans(),
}


# A valid request, quick to make: the base for the hand-picked cases below.
BASE: dict[str, Any] = {
    "prompt": "a lighthouse at dusk",
    "negative_prompt": "",
    "model": "flux-schnell",
    "aspect_ratio": "1:1",
    "width": 256,
    "height": 256,
    "num_inference_steps": 1,
    "guidance_scale": 1.0,
    "seed": 0,
    "randomize_seed": True,
}


def valid_request() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(VALID)


def values_of(request: dict[str, Any]) -> list:
    return [request[field] for field in FIELDS]


# ---- /generate under hypothesis ----


@settings(SETTINGS, max_examples=70)
@given(request=valid_request(), field=st.sampled_from(FIELDS), data=st.data())
def test_one_odd_field_is_made_safely_or_refused_by_name(
    app_server, emulators, http, request, field, data
):
    value = data.draw(st.one_of(EDGES[field], WEIRD), label=field)
    reset(emulators)
    request = {**request, field: value}
    answer = call(http, app_server.url, values_of(request))
    assert_sound(answer, emulators, offending=field)


@settings(SETTINGS, max_examples=40)
@given(
    request=st.fixed_dictionaries(
        {field: st.one_of(VALID[field], EDGES[field], WEIRD) for field in FIELDS}
    )
)
def test_any_request_gives_an_image_or_a_named_refusal(app_server, emulators, http, request):
    reset(emulators)
    assert_sound(call(http, app_server.url, values_of(request)), emulators)


JSON_SAFE = st.one_of(
    st.none(),
    st.booleans(),
    st.lists(st.integers(-2, 2), max_size=2),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    NUMERIC_STRINGS,
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
)


class QuietClient:
    """A gradio_client Client whose repr is one line (hypothesis prints its arguments)."""

    def __init__(self, url: str):
        self.client = Client(url, verbose=False)

    def predict(self, *args, **kwargs):
        return self.client.predict(*args, **kwargs)

    def __repr__(self) -> str:
        return "<gradio_client.Client of the app>"


@pytest.fixture(scope="module")
def api_client(app_server):
    quiet = QuietClient(app_server.url)
    yield quiet
    quiet.client.close()


@settings(SETTINGS, max_examples=25)
@given(request=valid_request(), field=st.sampled_from(FIELDS), data=st.data())
def test_through_gradio_client_an_odd_field_is_made_safely_or_refused_by_name(
    api_client, emulators, request, field, data
):
    value = data.draw(st.one_of(EDGES[field], JSON_SAFE), label=field)
    reset(emulators)
    request = {**request, field: value}
    try:
        path, seed = api_client.predict(**request, api_name="/generate")
    except AppError as error:
        answer = Answer(status=200, error=error.message, title=error.title)
        if error.message.startswith("The upstream Gradio app has raised an exception"):
            answer.generic = True
    else:
        answer = Answer(status=200, data=[{"path": path}, seed])  # gradio_client's copy
    assert_sound(answer, emulators, offending=field)


def test_gradio_client_cannot_send_nan_or_infinity_and_raw_json_is_refused_by_name(
    api_client, app_server, emulators, http
):
    reset(emulators)
    for value in (NAN, INF, -INF):
        with pytest.raises(ValueError, match="JSON"):  # refused locally, nothing sent
            api_client.predict("a fox", width=value, api_name="/generate")
    assert not all_jobs(emulators)
    base = BASE | {"model": "flux-dev"}
    for field in ("width", "height", "num_inference_steps", "guidance_scale", "seed"):
        for value in (NAN, INF, -INF):
            answer = call(http, app_server.url, values_of({**base, field: value}))
            assert_sound(answer, emulators, offending=field)
            assert answer.error is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("aspect_ratio", ["16:9"]),
        ("aspect_ratio", {"ratio": "16:9"}),
        ("prompt", ["a", "fox"]),
        ("prompt", {"text": "a fox"}),
        ("prompt", 42),
        ("prompt", True),
        ("negative_prompt", 42),
        ("negative_prompt", ["blurry"]),
        ("model", ["flux-dev"]),
        ("width", [512]),
        ("height", {"value": 512}),
        ("seed", True),
        ("randomize_seed", "yes"),
        ("guidance_scale", [3.5]),
        ("num_inference_steps", None),  # None: the model's default
    ],
)
def test_wrong_types_are_refused_by_name(app_server, emulators, http, field, value):
    """Non-text prompts are refused like non-text negative prompts are, instead of making
    an image of the value's Python repr; unhashable values are refused, not a crash."""
    reset(emulators)
    base = BASE | {"model": "sd-3.5-large-turbo"}
    answer = call(http, app_server.url, values_of({**base, field: value}))
    assert_sound(answer, emulators, offending=field)
    if field in ("prompt", "aspect_ratio"):
        assert answer.error is not None, f"{field}={value!r} made an image"


@pytest.mark.parametrize("field", FIELDS)
def test_a_megabyte_of_text_is_refused_by_name_without_echoing_it(
    app_server, emulators, http, field
):
    reset(emulators)
    base = BASE | {"model": "sd-3.5-large-turbo"}  # takes every field, guidance included
    answer = call(http, app_server.url, values_of({**base, field: "\x00<b>y</b>" * 100_000}))
    assert_sound(answer, emulators, offending=field)
    assert answer.error is not None, f"a megabyte of text as {field} made an image"
    assert len(answer.error) < 2000, f"the refusal echoes {field}: {len(answer.error)} chars"


def test_a_number_too_long_to_parse_is_refused_not_a_server_error(app_server, http):
    body = '{"data": ["a fox", "", "flux-schnell", "1:1", 1' + "0" * 5000 + ", 0, 4, 3.5, 0, true]}"
    answer = http.post(
        f"{app_server.url}gradio_api/call/generate",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert 400 <= answer.status_code < 500, answer.text


# ---- the PNG keeps the prompt as typed ----


@settings(SETTINGS, max_examples=25)
@given(
    prompt=TEXTS,
    negative=st.sampled_from(["", "blurry, <b>text</b>", 'a\nb, "c"\x00']),
    model=st.sampled_from(["flux-schnell", "sd-3.5-large-turbo"]),
)
@example(prompt="<script>alert('x')</script> **a** \x1b[1m", negative="", model="flux-schnell")
def test_markup_and_control_characters_come_back_as_text_in_the_png(
    app_server, emulators, http, prompt, negative, model
):
    expected = CONTROL.sub("", prompt).strip()
    if not expected or len(CONTROL.sub("", prompt.strip())) > MAX_PROMPT_CHARS:
        return  # refused: covered above
    reset(emulators)
    answer = call(
        http, app_server.url, [prompt, negative, model, "1:1", 512, 512, 1, 1.0, 7, False]
    )
    assert answer.data is not None, answer.error
    saved = read_parameters(answer.path)
    assert saved.prompt.strip() == expected
    if model == "sd-3.5-large-turbo":
        assert saved.negative_prompt == CONTROL.sub("", negative).replace("\n", " ")
    else:
        assert saved.negative_prompt == ""
    (job,) = all_jobs(emulators)
    assert job.arguments["prompt"].strip() == expected  # what the Space got, too


def test_a_prompt_whose_last_line_looks_like_a_negative_prompt_comes_back_whole(
    app_server, emulators, http
):
    """The A1111 layout reads a last prompt line starting "Negative prompt: " as the negative
    prompt, when the image has none (FLUX takes none): the PNG must not change the prompt."""
    reset(emulators)
    prompt = "a lighthouse\nNegative prompt: fog"
    answer = call(
        http, app_server.url, [prompt, "", "flux-schnell", "1:1", 256, 256, 1, 1, 0, True]
    )
    saved = read_parameters(answer.path)
    assert (saved.prompt, saved.negative_prompt) == (prompt, "")


# ---- files: only the app's own ----


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """GET an exact request target: httpx would normalise `..` and percent-escapes away."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        response = b""
        while chunk := connection.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.fixture(scope="module")
def served_image(app_server, http, emulators) -> Path:
    reset(emulators)
    answer = call(
        http, app_server.url, ["a served fox", "", "flux-schnell", "1:1", 256, 256, 1, 1, 0, True]
    )
    assert answer.data is not None, answer.error
    return Path(answer.path)


def gradio_cache(image: Path) -> Path:
    """The app's GRADIO_TEMP_DIR (tests/app_server.py: <workdir>/gradio) above one of its files."""
    return next(folder for folder in image.parents if folder.name == "gradio")


def test_the_app_serves_its_images(app_server, served_image):
    status, body = raw_get(app_server.port, f"/gradio_api/file={served_image}")
    assert status == 200 and body.startswith(b"\x89PNG")


def test_files_outside_the_cache_are_never_served(app_server, served_image):
    images = served_image.parent
    workdir = gradio_cache(served_image).parent
    secret = workdir / f"secret-{uuid.uuid4().hex}.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    elsewhere = Path(tempfile.gettempdir()) / f"space-canvas-secret-{uuid.uuid4().hex}.txt"
    elsewhere.write_text("TOP-SECRET-CONTENT")
    up = "../" * (len(images.parts) + 2)
    targets = [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=//etc/passwd",
        "/gradio_api/file=%2Fetc%2Fpasswd",
        f"/gradio_api/file={up}etc/passwd",
        "/gradio_api/file=..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        f"/gradio_api/file={images}/{up}etc/passwd",
        f"/gradio_api/file={images}/%2e%2e/%2e%2e/%2e%2e/{secret.name}",
        f"/gradio_api/file={images}/..%2f..%2f..%2f{secret.name}",
        f"/gradio_api/file={images}/../../../{secret.name}",
        f"/gradio_api/file={secret}",
        f"/gradio_api/file={elsewhere}",
        f"/gradio_api/file={images}",  # a folder: no listing
        "/gradio_api/file=/proc/self/environ",  # the app's environment holds HF_TOKEN
        "/gradio_api/file=/proc/self/cmdline",
        f"/gradio_api/file={ROOT / 'app.py'}",
        f"/gradio_api/file={ROOT / 'tests' / 'app_server.py'}",
        "/file=/etc/passwd",
        "/gradio_api/file/etc/passwd",
        f"/gradio_api/file={served_image}/../../../../../../etc/passwd",
    ]
    try:
        for target in targets:
            status, body = raw_get(app_server.port, target)
            assert status in (403, 404), (target, status, body[:200])
            for leaked in (b"root:", b"TOP-SECRET", MACHINE_TOKEN.encode(), b"import "):
                assert leaked not in body, (target, body[:200])
    finally:
        secret.unlink()
        elsewhere.unlink()


@pytest.mark.parametrize("field", ["prompt", "negative_prompt", "model"])
def test_a_file_reference_as_input_cannot_read_a_file(
    app_server, emulators, http, served_image, field
):
    """Gradio treats a FileData dict in the input specially: it must not fetch that file."""
    secret = Path(tempfile.gettempdir()) / f"space-canvas-input-{uuid.uuid4().hex}.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    reset(emulators)
    try:
        for reference in (
            {"path": str(secret), "meta": {"_type": "gradio.FileData"}},
            {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}},
        ):
            answer = call(http, app_server.url, values_of({**BASE, field: reference}))
            assert answer.status < 500
            text = json.dumps(answer.data) + (answer.error or "")
            assert "TOP-SECRET" not in text and "root:" not in text
            assert answer.data is None, "a file reference made an image"
        for path in gradio_cache(served_image).rglob("*"):
            if path.is_file():
                assert b"TOP-SECRET" not in path.read_bytes(), path
    finally:
        secret.unlink()


# ---- the image folder stays bounded ----


def make_file(folder: Path, name: str, size: int, age: float) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_prune_deletes_expired_files(tmp_path):
    folder = ImageFolder(tmp_path / "files", max_bytes=10**9, max_age=3600)
    old = make_file(folder.path, "old.png", 10, age=7200)
    new = make_file(folder.path, "new.png", 10, age=60)
    assert folder.prune() == 10
    assert not old.exists() and new.exists()


def test_prune_deletes_the_oldest_first_until_under_the_size_bound(tmp_path):
    folder = ImageFolder(tmp_path / "files", max_bytes=250, max_age=10**6)
    files = [make_file(folder.path, f"{i}.png", 100, age=1000 - i) for i in range(5)]
    assert folder.prune() == 200
    assert [f.exists() for f in files] == [False, False, False, True, True]
    assert folder.size() == 200


def test_prune_counts_files_in_subfolders(tmp_path):
    """The app's folder holds images/ and downloads/: both count, both are pruned."""
    folder = ImageFolder(tmp_path / "files", max_bytes=150, max_age=3600)
    expired = make_file(folder.path, "downloads/part.webp", 10, age=7200)
    oldest = make_file(folder.path, "images/a.png", 100, age=100)
    newest = make_file(folder.path, "images/b.png", 100, age=10)
    folder.prune()
    assert not expired.exists() and not oldest.exists() and newest.exists()


def test_prune_never_follows_links_out_of_the_folder(tmp_path):
    outside = tmp_path / "outside"
    precious = make_file(outside, "precious.txt", 100, age=10**6)
    folder = ImageFolder(tmp_path / "files", max_bytes=0, max_age=1)
    (folder.path / "link.txt").symlink_to(precious)
    (folder.path / "linked-dir").symlink_to(outside, target_is_directory=True)
    folder.prune()
    assert precious.exists()


def test_maybe_prune_runs_at_most_once_per_interval(tmp_path):
    folder = ImageFolder(tmp_path / "files", max_bytes=10**9, max_age=3600, interval=1000)
    make_file(folder.path, "a.png", 1, age=7200)
    folder.maybe_prune()
    assert folder.size() == 0
    late = make_file(folder.path, "b.png", 1, age=7200)
    folder.maybe_prune()  # within the interval: nothing done
    assert late.exists()


def test_pruning_in_the_background_prunes_once_per_interval(tmp_path):
    folder = ImageFolder(tmp_path / "files", max_bytes=10**9, max_age=3600, interval=1000)
    make_file(folder.path, "a.png", 1, age=7200)
    pruning = folder.maybe_prune_in_background()
    assert pruning is not None
    pruning.join(timeout=10)
    assert folder.size() == 0
    late = make_file(folder.path, "b.png", 1, age=7200)
    assert folder.maybe_prune_in_background() is None  # within the interval
    assert late.exists()


def test_maybe_prune_with_a_short_age_prunes_every_time(tmp_path):
    folder = ImageFolder(tmp_path / "files", max_bytes=10**9, max_age=0, interval=1000)
    for name in ("a.png", "b.png"):
        make_file(folder.path, name, 1, age=10)
        folder.maybe_prune()
        assert folder.size() == 0


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    files=st.lists(
        st.tuples(st.integers(0, 500), st.integers(0, 5000)), min_size=0, max_size=12
    ),  # (size, age in seconds)
    max_bytes=st.integers(0, 3000),
    max_age=st.integers(1, 4000),
)
def test_prune_keeps_the_newest_files_within_both_bounds(files, max_bytes, max_age):
    with tempfile.TemporaryDirectory() as tmp:
        folder = ImageFolder(Path(tmp) / "files", max_bytes=max_bytes, max_age=max_age)
        made = [
            (age, make_file(folder.path, f"{i:02d}.png", size, age=age + 0.5 + i / 100))
            for i, (size, age) in enumerate(files)
        ]
        kept_bytes = folder.prune()
        kept = [(age, path) for age, path in made if path.exists()]
        deleted = [(age, path) for age, path in made if not path.exists()]
        assert kept_bytes == folder.size() <= max_bytes
        assert all(age < max_age for age, _ in kept)
        # Oldest first: every file deleted for size is older than every file kept.
        if kept:
            youngest_deleted = min((a for a, _ in deleted if a < max_age), default=None)
            if youngest_deleted is not None:
                assert youngest_deleted >= max(age for age, _ in kept)


# ---- tokens never leak ----


def test_tokens_never_reach_the_log_or_an_error_message(app_server, emulators, http):
    reset(emulators)
    ip_token = f"visitor-ip-token-{uuid.uuid4().hex}"
    visitor = Client(app_server.url, verbose=False, headers={"x-ip-token": ip_token})
    sd = emulators["sd35-large"]
    messages = []
    try:
        visitor.predict("token test", model="flux-schnell", width=256, height=256,
                        num_inference_steps=1, api_name="/generate")  # fmt: skip
        for fault in ("quota", "gpu_limit", "no_gpu", "generic_error", "not_image"):
            sd.controls.inject(fault)
            with pytest.raises(AppError) as caught:
                visitor.predict("token test", model="sd-3.5-large", width=512, height=512,
                                num_inference_steps=1, api_name="/generate")  # fmt: skip
            messages.append(caught.value.message)
        with pytest.raises(AppError) as caught:
            visitor.predict("", api_name="/generate")
        messages.append(caught.value.message)
    finally:
        visitor.close()
    for values in (
        ["token test", "", "flux-schnell", "1:1", 256, 256, 1, 1, 0, True],
        ["token test", "", "flux-schnell", ["1:1"], 256, 256, 1, 1, 0, True],
        ["token test", "", "nonexistent", "1:1", 256, 256, 1, 1, 0, True],
    ):
        answer = call(http, app_server.url, values, headers={"x-ip-token": ip_token})
        messages.append(json.dumps(answer.data) + (answer.error or ""))
    # The visitor's token went where it belongs: upstream, on that visitor's calls.
    jobs = all_jobs(emulators)
    assert jobs and all(job.headers.get("x-ip-token") == ip_token for job in jobs)
    assert not any("x-hf-authorization" in job.headers for job in jobs)
    for message in messages:
        assert ip_token not in message and MACHINE_TOKEN not in message, message
    log = app_server.log()
    assert ip_token not in log
    assert MACHINE_TOKEN not in log
