"""What each provider sends for a request: sizes snapped to its Space, numbers checked, prompts
cleaned. Parametrized over the registry, so a new Space is tested by being declared.

These check the declared facts, the offline default: no Space has been read here.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import providers
from providers.base import REQUEST_SIZE
from providers.contract import LiveContracts
from providers.errors import BadRequestError
from providers.prompting import ASPECT_RATIOS
from providers.spaces import Voodoohop_Flux1Schnell
from providers.spec import MAX_PROMPT_CHARS, MAX_SEED

from .helpers import QWEN_SIZES

PROVIDERS = providers.registry.providers()
SIZED = [p for p in PROVIDERS if p.spec.takes_size]  # width and height inputs
BY_RATIO = [p for p in PROVIDERS if not p.spec.takes_size]  # the Space sizes from a ratio
LOW, HIGH = REQUEST_SIZE
FAST = settings(max_examples=40, deadline=None)


@pytest.fixture(autouse=True)
def declared_facts(monkeypatch):
    """No live reading from other tests' emulators: the declarations alone."""
    monkeypatch.setattr(providers.RUNTIME, "contracts", LiveContracts())


def by_name(provider):
    return provider.__name__


def is_sd35(provider) -> bool:
    return provider.spec.space_id.startswith("stabilityai/stable-diffusion-3.5")


def assert_accepted_size(provider, width: int, height: int) -> None:
    size = provider.spec.size
    assert size.minimum <= width <= size.maximum, (provider.__name__, width)
    assert size.minimum <= height <= size.maximum, (provider.__name__, height)
    assert width % size.step == 0 and height % size.step == 0, (width, height)
    if is_sd35(provider):  # SD 3.5's pipeline raises for sides not a multiple of 16
        assert width % 16 == 0 and height % 16 == 0, (width, height)


def test_sd35_providers_are_found():
    # Otherwise the multiple-of-16 checks below would check nothing.
    assert sum(is_sd35(p) for p in PROVIDERS) >= 2


# --- the facts of the upstream Spaces (shared/upstream-spaces.md) ------------------------

SD35 = ("prompt", "negative_prompt", "seed", "randomize_seed", "width", "height")
SD35 += ("guidance_scale", "num_inference_steps")
SCHNELL = ("prompt", "seed", "randomize_seed", "width", "height", "num_inference_steps")
DEV = ("prompt", "seed", "randomize_seed", "width", "height")
DEV += ("guidance_scale", "num_inference_steps")
QWEN = ("prompt", "seed", "randomize_seed", "aspect_ratio", "guidance_scale")
QWEN += ("num_inference_steps", "prompt_enhance")
Z_IMAGE = ("prompt", "height", "width", "num_inference_steps", "seed", "randomize_seed")


@pytest.mark.parametrize(
    ("space_id", "parameters", "size", "steps", "guidance"),
    [
        (
            "stabilityai/stable-diffusion-3.5-large",
            SD35,
            (512, 1024, 32),
            (1, 50, 40),
            (0, 7.5, 4.5),
        ),
        ("black-forest-labs/FLUX.1-schnell", SCHNELL, (256, 2048, 32), (1, 50, 4), None),
        ("black-forest-labs/FLUX.1-dev", DEV, (256, 2048, 32), (1, 50, 28), (1, 15, 3.5)),
        ("stabilityai/stable-diffusion-3.5-large-turbo", SD35, None, (1, 50, 4), (0, 7.5, 0)),
        ("voodoohop/FLUX.1-schnell", SCHNELL, None, (1, 50, 2), None),
        ("black-forest-labs/FLUX.1-Krea-dev", DEV, None, (1, 50, 28), (1, 15, 4.5)),
        ("multimodalart/Qwen-Image-Fast", QWEN, QWEN_SIZES, (1, 50, 8), (1, 10, 1)),
        # Only steps' default is confirmed for the official Space's later inputs.
        ("Qwen/Qwen-Image", QWEN, QWEN_SIZES, (1, 50, 50), None),
        ("Tongyi-MAI/Z-Image-Turbo", Z_IMAGE, None, None, None),
        ("mrfakename/Z-Image-Turbo", Z_IMAGE, None, None, None),
    ],
)
def test_declarations_match_the_upstream_notes(space_id, parameters, size, steps, guidance):
    (provider,) = [p for p in PROVIDERS if p.spec.space_id == space_id]
    spec = provider.spec
    assert spec.parameters == parameters
    if isinstance(size, dict):
        assert dict(spec.size.sizes) == size and spec.size.default == "16:9"
    elif size is not None:  # the others' bounds are unconfirmed upstream
        assert (spec.size.minimum, spec.size.maximum, spec.size.step) == size
    if steps is None:  # unconfirmed: read live
        return
    assert (spec.steps.minimum, spec.steps.maximum, spec.steps.default) == steps
    if guidance is None:
        assert spec.guidance is None or spec.space_id == "Qwen/Qwen-Image"
    else:
        got = (spec.guidance.minimum, spec.guidance.maximum, spec.guidance.default)
        assert got == guidance


def test_the_notes_other_facts_are_declared():
    z_image = [p for p in PROVIDERS if p.spec.space_id.endswith("/Z-Image-Turbo")]
    assert len(z_image) == 2 and len({p.family for p in z_image}) == 1  # fallback for each other
    for provider in z_image:
        assert provider.spec.api_name == "/generate_image" and provider.spec.guidance is None
    qwen = [p for p in PROVIDERS if "Qwen-Image" in p.spec.space_id]
    assert len({p.family for p in qwen}) == 1
    for provider in qwen:  # the Space's LLM prompt rewrite stays off
        assert provider.prepare(prompt="x")["prompt_enhance"] is False
    (official,) = [p for p in qwen if p.spec.space_id == "Qwen/Qwen-Image"]
    assert official.spec.gpu_seconds == 120
    assert set(official.spec.unconfirmed) == {
        "guidance_scale",
        "num_inference_steps",
        "prompt_enhance",
    }
    (krea,) = [p for p in PROVIDERS if p.spec.space_id == "black-forest-labs/FLUX.1-Krea-dev"]
    assert krea.spec.streams_previews and krea.spec.size.maximum == 2048


# --- sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "offered"),
    [
        *((ratio, ratio) for ratio in QWEN_SIZES),
        ("21:9", "16:9"),
        ("9:21", "9:16"),
        ("4:5", "3:4"),
        ("5:4", "4:3"),
        ("2:1", "16:9"),
        ("1:2", "9:16"),
    ],
)
@pytest.mark.parametrize("provider", BY_RATIO, ids=by_name)
def test_a_ratio_space_gets_the_nearest_ratio_it_offers_and_makes_its_own_size(
    provider, ratio, offered
):
    arguments = provider.prepare(prompt="x", aspect_ratio=ratio)
    assert arguments[provider.spec.size.input] == offered
    assert "width" not in arguments and "height" not in arguments
    assert provider.planned_size(ratio, None, None) == QWEN_SIZES[offered]


@pytest.mark.parametrize("provider", BY_RATIO, ids=by_name)
def test_an_explicit_size_picks_the_nearest_ratio_on_a_ratio_space(provider):
    assert provider.prepare(prompt="x", width=1920, height=1080)["aspect_ratio"] == "16:9"
    assert provider.prepare(prompt="x", width=1000, height=1010)["aspect_ratio"] == "1:1"
    assert provider.prepare(prompt="x", width=600, height=900)["aspect_ratio"] == "2:3"


def test_both_kinds_of_size_are_declared():
    assert SIZED and BY_RATIO


@pytest.mark.parametrize("ratio", list(ASPECT_RATIOS))
@pytest.mark.parametrize("provider", SIZED, ids=by_name)
def test_every_ratio_gives_a_size_the_space_accepts(provider, ratio):
    arguments = provider.prepare(prompt="x", aspect_ratio=ratio)
    assert_accepted_size(provider, arguments["width"], arguments["height"])
    # The orientation of the ratio survives snapping.
    ratio_width, ratio_height = ASPECT_RATIOS[ratio]
    if ratio_width > ratio_height:
        assert arguments["width"] > arguments["height"]
    elif ratio_width < ratio_height:
        assert arguments["width"] < arguments["height"]
    else:
        assert arguments["width"] == arguments["height"]


@pytest.mark.parametrize("ratio", ["3:2", "2:3", "21:9", "9:21", "4:5", "5:4"])
def test_sd35_never_gets_gpt4free_sizes_it_rejects(ratio):
    """682 and 440 are not multiples of 16, 440 < 512 and 1040 > 1024 (the notes)."""
    for provider in filter(is_sd35, PROVIDERS):
        arguments = provider.prepare(prompt="x", aspect_ratio=ratio)
        assert arguments["width"] not in (682, 440, 1040)
        assert arguments["height"] not in (682, 440, 1040)


request_sides = st.integers(min_value=LOW, max_value=HIGH)


@FAST
@given(width=request_sides, height=request_sides)
@pytest.mark.parametrize("provider", SIZED, ids=by_name)
def test_any_requested_size_lands_in_bounds_and_on_the_step(provider, width, height):
    arguments = provider.prepare(prompt="x", width=width, height=height)
    assert_accepted_size(provider, arguments["width"], arguments["height"])


@FAST
@given(data=st.data())
@pytest.mark.parametrize("provider", SIZED, ids=by_name)
def test_snapping_keeps_the_aspect_ratio_when_the_bounds_allow(provider, data):
    size = provider.spec.size
    # Sizes whose ratio fits the bounds, drawn so: a side, then the other within that ratio
    # of it (two free sides would mostly be filtered out, on SD 3.5's 2:1 most of all).
    widest = size.maximum / size.minimum
    width = data.draw(request_sides, label="width")
    height = data.draw(
        st.integers(max(LOW, math.ceil(width / widest)), min(HIGH, math.floor(width * widest))),
        label="height",
    )
    # The ratio snap() is given: the request after the provider's own rule (the identity,
    # except Voodoohop's seed rule, which floors each side to a multiple of 8).
    wanted_w, wanted_h = provider.adjust_size(width, height)
    assume(max(wanted_w, wanted_h) / min(wanted_w, wanted_h) <= size.maximum / size.minimum)
    arguments = provider.prepare(prompt="x", width=width, height=height)
    got_w, got_h = arguments["width"], arguments["height"]

    # Tolerance: when the ratio fits the bounds, snapping scales both sides by one factor
    # (exact ratio) to sides W, H within [minimum, maximum], then rounds each to the nearest
    # multiple of the step, moving it by at most step/2. So W >= max(minimum, got_w - step/2),
    # each side's relative error is at most e = (step/2) / that, and the ratio can move by
    # at most the factors (1 - e_w)/(1 + e_h) .. (1 + e_w)/(1 - e_h). That bound is sound
    # (rounding alone can reach it) and tight enough to fail a snap that only clamps each
    # side (e.g. 1024x4096 clamped to 1024x2048 on FLUX). 1e-9 absorbs float error.
    half = size.step / 2
    e_w = half / max(size.minimum, got_w - half)
    e_h = half / max(size.minimum, got_h - half)
    change = (got_w / got_h) / (wanted_w / wanted_h)
    assert (1 - e_w) / (1 + e_h) - 1e-9 <= change <= (1 + e_w) / (1 - e_h) + 1e-9, (
        (width, height),
        (got_w, got_h),
    )


@FAST
@given(data=st.data())
@pytest.mark.parametrize("provider", SIZED, ids=by_name)
def test_a_size_the_space_accepts_is_sent_unchanged(provider, data):
    size = provider.spec.size
    multiples = st.integers(size.minimum // size.step, size.maximum // size.step)
    width = data.draw(multiples) * size.step
    height = data.draw(multiples) * size.step
    arguments = provider.prepare(prompt="x", width=width, height=height)
    assert (arguments["width"], arguments["height"]) == (width, height)


def seed_rule(width: int, height: int) -> tuple[int, int]:
    """Voodoohop_Flux1Schnell's size rule in the seed document."""
    return max(32, width - (width % 8)), max(32, height - (height % 8))


@pytest.mark.parametrize(
    ("width", "height", "seen"),
    [
        (777, 775, (776, 768)),  # 777 % 8 == 1, 775 % 8 == 7
        (1001, 1000, (1000, 1000)),
        (39, 4096, (32, 4096)),
    ],
)
def test_voodoohop_applies_the_seed_rule_before_its_bounds(monkeypatch, width, height, seen):
    spec = Voodoohop_Flux1Schnell.spec
    given_to_snap = []
    snap = type(spec.size).snap

    def spy(self, w, h):
        given_to_snap.append((w, h))
        return snap(self, w, h)

    monkeypatch.setattr(type(spec.size), "snap", spy)
    arguments = Voodoohop_Flux1Schnell.prepare(prompt="x", width=width, height=height)
    assert given_to_snap == [seen]
    assert (arguments["width"], arguments["height"]) == snap(spec.size, *seen)


@FAST
@given(width=request_sides, height=request_sides)
def test_voodoohop_size_is_the_seed_rule_then_the_bounds(width, height):
    arguments = Voodoohop_Flux1Schnell.prepare(prompt="x", width=width, height=height)
    expected = Voodoohop_Flux1Schnell.spec.size.snap(*seed_rule(width, height))
    assert (arguments["width"], arguments["height"]) == expected


# --- refused inputs ------------------------------------------------------------------------


def assert_refused(provider, field: str, *, names_range: tuple[str, str] | None = None, **request):
    with pytest.raises(BadRequestError) as caught:
        provider.prepare(**{"prompt": "x", **request})
    error = caught.value
    assert error.field == field, error.message
    assert field in error.message
    if names_range is not None:
        low, high = names_range
        assert re.search(rf"\b{re.escape(low)}\b.*\b{re.escape(high)}\b", error.message), (
            error.message
        )
    return error


outside_request = st.one_of(st.integers(max_value=LOW - 1), st.integers(min_value=HIGH + 1))


@FAST
@given(value=outside_request, field=st.sampled_from(["width", "height"]))
@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_a_size_outside_the_request_range_is_refused(provider, value, field):
    assert_refused(provider, field, names_range=(str(LOW), str(HIGH)), **{field: value})


@pytest.mark.parametrize(
    "value",
    [-(10**400), 10**400, 2**1100, -1, 0, 31, 4097],
    ids=["-1e400", "1e400", "2**1100", "-1", "0", "31", "4097"],
)
@pytest.mark.parametrize("field", ["width", "height"])
def test_extreme_integer_sizes_are_refused_naming_the_range(field, value):
    assert_refused(
        providers.StabilityAI_SD35Large, field, names_range=(str(LOW), str(HIGH)), **{field: value}
    )


@pytest.mark.parametrize(
    ("field", "names_range"),
    [
        ("num_inference_steps", ("1", "50")),
        ("guidance_scale", ("0", "7.5")),
        ("seed", ("0", str(MAX_SEED))),
    ],
)
@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["1e400", "-1e400"])
def test_numbers_too_big_for_a_float_are_refused_naming_the_range(field, names_range, value):
    """JSON callers can send any integer: one past float's range is out of range, not a crash."""
    assert_refused(
        providers.StabilityAI_SD35Large, field, names_range=names_range, **{field: value}
    )


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        "nan",
        "inf",
        True,
        False,
        "wide",
        "",
        "  ",
        "12px",
        b"512",
        [512],
        {"value": 512},
        512.5,
        "512.5",
    ],
    ids=repr,
)
@pytest.mark.parametrize("field", ["width", "height"])
@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_a_size_that_is_not_a_whole_number_is_refused(provider, field, value):
    assert_refused(provider, field, **{field: value})


@pytest.mark.parametrize(("value", "expected"), [("768", 768), (" 640 ", 640), (768.0, 768)])
def test_numeric_text_and_integral_floats_are_sizes(value, expected):
    provider = providers.BlackForestLabs_Flux1Schnell
    arguments = provider.prepare(prompt="x", width=value, height=value)
    assert arguments["width"] == arguments["height"] == expected


@FAST
@given(data=st.data())
@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_steps_outside_the_space_range_are_refused(provider, data):
    steps = provider.spec.steps
    low, high = int(steps.minimum), int(steps.maximum)
    value = data.draw(st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1)))
    assert_refused(
        provider,
        "num_inference_steps",
        names_range=(str(low), str(high)),
        num_inference_steps=value,
    )


@FAST
@given(data=st.data())
@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_steps_inside_the_space_range_are_sent(provider, data):
    steps = provider.spec.steps
    value = data.draw(st.integers(int(steps.minimum), int(steps.maximum)))
    assert provider.prepare(prompt="x", num_inference_steps=value)["num_inference_steps"] == value


@pytest.mark.parametrize("value", [4.5, "4.5", math.nan, math.inf, True, None], ids=repr)
@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_steps_that_are_not_a_whole_number_are_refused(provider, value):
    if value is None:  # None means the Space's default
        default = provider.spec.steps.default
        assert provider.prepare(prompt="x", num_inference_steps=None)["num_inference_steps"] == (
            default
        )
        return
    assert_refused(provider, "num_inference_steps", num_inference_steps=value)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


WITH_GUIDANCE = [p for p in PROVIDERS if p.spec.guidance is not None]
WITHOUT_GUIDANCE = [p for p in PROVIDERS if p.spec.guidance is None]


@FAST
@given(data=st.data())
@pytest.mark.parametrize("provider", WITH_GUIDANCE, ids=by_name)
def test_guidance_outside_the_space_range_is_refused(provider, data):
    guidance = provider.spec.guidance
    value = data.draw(
        st.one_of(
            st.floats(max_value=guidance.minimum, exclude_max=True, allow_nan=False),
            st.floats(min_value=guidance.maximum, exclude_min=True, allow_nan=False),
        )
    )
    assume(math.isfinite(value))
    assert_refused(
        provider,
        "guidance_scale",
        names_range=(_plain(guidance.minimum), _plain(guidance.maximum)),
        guidance_scale=value,
    )


@pytest.mark.parametrize("value", [math.nan, math.inf, "strong", True], ids=repr)
@pytest.mark.parametrize("provider", WITH_GUIDANCE, ids=by_name)
def test_guidance_that_is_not_a_number_is_refused(provider, value):
    assert_refused(provider, "guidance_scale", guidance_scale=value)


@pytest.mark.parametrize("provider", WITH_GUIDANCE, ids=by_name)
def test_guidance_defaults_to_the_space_s_and_is_sent(provider):
    guidance = provider.spec.guidance
    assert provider.prepare(prompt="x")["guidance_scale"] == guidance.default
    assert provider.prepare(prompt="x", guidance_scale=guidance.maximum)["guidance_scale"] == (
        guidance.maximum
    )


@pytest.mark.parametrize("provider", WITHOUT_GUIDANCE, ids=by_name)
def test_guidance_is_not_sent_to_a_space_without_it(provider):
    assert any(p.spec.space_id == "black-forest-labs/FLUX.1-schnell" for p in WITHOUT_GUIDANCE)
    assert "guidance_scale" not in provider.prepare(prompt="x", guidance_scale=3.5)


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_negative_prompt_only_for_sd35(provider):
    arguments = provider.prepare(prompt="x", negative_prompt="blurry")
    if is_sd35(provider):
        assert arguments["negative_prompt"] == "blurry"
        assert provider.prepare(prompt="x")["negative_prompt"] == ""
    else:
        assert "negative_prompt" not in arguments


@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"negative_prompt": "blurry", "guidance_scale": 2, "num_inference_steps": 3},
        {"aspect_ratio": "21:9", "seed": 5, "randomize_seed": False},
    ],
)
@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_arguments_are_exactly_the_space_parameters_in_order(provider, request_):
    arguments = provider.prepare(prompt="x", **request_)
    assert list(arguments) == list(provider.spec.parameters)


@pytest.mark.parametrize("value", [-1, MAX_SEED + 1, None, 1.5, "lucky", math.nan], ids=repr)
def test_a_seed_out_of_range_or_not_a_number_is_refused(value):
    error = assert_refused(providers.BlackForestLabs_Flux1Dev, "seed", seed=value)
    if isinstance(value, int):
        assert str(MAX_SEED) in error.message


@pytest.mark.parametrize("value", [None, "yes", 2, "true"], ids=repr)
def test_randomize_seed_must_be_a_boolean(value):
    assert_refused(providers.BlackForestLabs_Flux1Dev, "randomize_seed", randomize_seed=value)


def test_seed_and_randomize_are_sent_as_given():
    arguments = providers.BlackForestLabs_Flux1Dev.prepare(
        prompt="x", seed=MAX_SEED, randomize_seed=0
    )
    assert arguments["seed"] == MAX_SEED
    assert arguments["randomize_seed"] is False


# --- prompts -------------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t ", "\x00\x07", None])
@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_an_empty_prompt_is_refused(provider, prompt):
    assert_refused(provider, "prompt", prompt=prompt)


def test_the_prompt_can_come_from_messages():
    provider = providers.StabilityAI_SD35Large
    arguments = provider.prepare(messages=[{"role": "user", "content": "a heron"}])
    assert arguments["prompt"] == "a heron"


def test_a_prompt_over_the_limit_is_refused_naming_the_limit():
    provider = providers.StabilityAI_SD35Large
    assert provider.prepare(prompt="x" * MAX_PROMPT_CHARS)["prompt"] == "x" * MAX_PROMPT_CHARS
    error = assert_refused(provider, "prompt", prompt="x" * (MAX_PROMPT_CHARS + 1))
    assert str(MAX_PROMPT_CHARS) in error.message
    error = assert_refused(
        provider, "negative_prompt", negative_prompt="y" * (MAX_PROMPT_CHARS + 1)
    )
    assert str(MAX_PROMPT_CHARS) in error.message


@pytest.mark.parametrize("provider", PROVIDERS, ids=by_name)
def test_control_characters_are_removed_from_prompts(provider):
    arguments = provider.prepare(
        prompt="a red\x00 fox\x1b[0m in\x7f snow\x08", negative_prompt="bl\x00urry"
    )
    assert arguments["prompt"] == "a red fox[0m in snow"
    if is_sd35(provider):
        assert arguments["negative_prompt"] == "blurry"


@pytest.mark.parametrize(
    "prompt",
    [
        "<b>a cat</b> & <script>alert(1)</script>",
        "**bold** [link](https://example.com) `code`",
        "a fox {curly} 'quoted' \"double\" 100% ",
        "日本の庭園, café, 🦊",
    ],
)
def test_markup_and_unicode_are_left_as_text(prompt):
    arguments = providers.StabilityAI_SD35Large.prepare(prompt=prompt)
    assert arguments["prompt"] == prompt.strip()
