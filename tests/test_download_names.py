"""The file names a person finds in their downloads folder."""

from __future__ import annotations

import re
import uuid

from hypothesis import given
from hypothesis import strategies as st

from canvas.generation import download_name
from canvas.pnginfo import GenerationParameters

SAFE = re.compile(r"[^\W_]+(-[^\W_]+)*_[^\W_]+(-[^\W_]+)*_seed\d+_[0-9a-f]{8}\.png")


def parameters(prompt: str, model: str = "FLUX.1 [dev]", seed: int = 42) -> GenerationParameters:
    return GenerationParameters(
        prompt=prompt, negative_prompt="", steps=4, guidance_scale=None, seed=seed,
        width=1024, height=1024, model=model,
    )  # fmt: skip


def test_a_name_carries_the_first_words_of_the_prompt_the_model_and_the_seed():
    name = download_name(
        parameters("A lighthouse on a basalt cliff at dusk, oil painting", seed=31337),
        "5536f274c1d94b0e",
    )
    assert name == "a-lighthouse-on-a-basalt-cliff_flux-1-dev_seed31337_5536f274.png"


def test_path_tricks_and_reserved_characters_become_plain_words():
    name = download_name(parameters('../../etc/passwd <x>:"y"|z?*'), uuid.uuid4().hex)
    assert name.startswith("etc-passwd-x-y-z_")
    assert SAFE.fullmatch(name)


def test_a_prompt_without_letters_still_names_the_image():
    assert download_name(parameters("🦊 ✨ !!!"), "0" * 32).startswith("image_flux-1-dev_")


@given(
    prompt=st.text(max_size=2000),
    model=st.text(min_size=1, max_size=60),
    seed=st.integers(0, 2**31 - 1),
)
def test_any_prompt_gives_a_short_name_of_safe_characters(prompt, model, seed):
    name = download_name(parameters(prompt, model, seed), uuid.uuid4().hex)
    assert SAFE.fullmatch(name), name
    assert len(name) <= 110
    assert len(name.encode()) < 255  # one path component on every common file system


def test_a_long_model_name_cut_at_a_hyphen_leaves_no_hyphen_at_the_end():
    # Found by hypothesis: the model part was cut right after a hyphen.
    name = download_name(parameters("", "0" * 39 + ":0"), "4f32c460" * 4)
    assert name == f"image_{'0' * 39}_seed42_4f32c460.png"
    assert SAFE.fullmatch(name)
