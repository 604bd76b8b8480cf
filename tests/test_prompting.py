"""gpt4free's request helpers: the prompt from messages, the size from an aspect ratio."""

from __future__ import annotations

import pytest

from providers.errors import BadRequestError
from providers.prompting import ASPECT_RATIOS, format_image_prompt, use_aspect_ratio

# gpt4free's table, as shared/upstream-spaces.md lists it, in its order.
GPT4FREE_RATIOS = [
    ("1:1", 1024, 1024),
    ("16:9", 1024, 576),
    ("9:16", 576, 1024),
    ("4:3", 1024, 768),
    ("3:4", 768, 1024),
    ("3:2", 1024, 682),
    ("2:3", 682, 1024),
    ("21:9", 1024, 440),
    ("9:21", 440, 1024),
    ("4:5", 832, 1040),
    ("5:4", 1040, 832),
    ("2:1", 1024, 512),
    ("1:2", 512, 1024),
]


# --- format_image_prompt ------------------------------------------------------------------


def test_prompt_wins_over_messages():
    messages = [{"role": "user", "content": "a cat"}]
    assert format_image_prompt(messages, "a fox on the moon") == "a fox on the moon"
    assert format_image_prompt(["a cat"], "  a fox  ") == "a fox"


@pytest.mark.parametrize("prompt", [None, "", "   "])
def test_without_a_prompt_the_last_user_message_is_used(prompt):
    assert format_image_prompt(["a cat"], prompt) == "a cat"


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # The seeds' forms: a list of strings, one dict, a list of dicts.
        (
            ["Generate an image of a cat playing the piano."],
            "Generate an image of a cat playing the piano.",
        ),
        (["an old prompt", "the newest prompt"], "the newest prompt"),
        ({"role": "user", "content": "photo of a cat"}, "photo of a cat"),
        (
            [{"role": "user", "content": "Generate an image of a cat."}],
            "Generate an image of a cat.",
        ),
        ("a bare string", "a bare string"),
        (("a tuple", "of strings"), "of strings"),
        (
            [
                {"role": "user", "content": "first idea"},
                {"role": "assistant", "content": "Here is your image."},
                {"role": "user", "content": "  a red bicycle  "},
            ],
            "a red bicycle",
        ),
        (
            [
                {"role": "system", "content": "You draw pictures."},
                {"role": "user", "content": "a lighthouse at dusk"},
                {"role": "assistant", "content": "Done."},
            ],
            "a lighthouse at dusk",
        ),
        # OpenAI content parts: the text parts, images ignored.
        (
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "a watercolor"},
                        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                        {"type": "text", "text": "of a harbour"},
                    ],
                }
            ],
            "a watercolor of a harbour",
        ),
        # A user message with no text is skipped for an earlier one.
        ([{"role": "user", "content": "a fern"}, {"role": "user", "content": "   "}], "a fern"),
    ],
    ids=[
        "list-of-strings",
        "last-string",
        "one-dict",
        "list-of-dicts",
        "bare-string",
        "tuple",
        "assistant-skipped",
        "system-and-assistant-skipped",
        "content-parts",
        "blank-user-skipped",
    ],
)
def test_message_forms(messages, expected):
    assert format_image_prompt(messages) == expected


@pytest.mark.parametrize(
    "messages",
    [
        None,
        [],
        "",
        "   ",
        [{"role": "assistant", "content": "hi"}],
        [{"role": "system", "content": "x"}],
    ],
)
def test_no_user_text_gives_an_empty_prompt(messages):
    assert format_image_prompt(messages) == ""


@pytest.mark.parametrize(
    "messages",
    [[42], [None], ["a cat", 42], [["nested"]], [b"bytes"], 42, 3.5],
    ids=["int", "none", "int-last", "nested-list", "bytes", "bare-int", "bare-float"],
)
def test_a_message_that_is_neither_text_nor_a_dict_is_a_bad_request(messages):
    with pytest.raises(BadRequestError) as caught:
        format_image_prompt(messages)
    assert caught.value.field == "messages"


@pytest.mark.parametrize("content", [5, None], ids=["number", "none"])
def test_a_user_message_with_unreadable_content_is_not_a_crash(content):
    """Either the bad message is skipped for the earlier one, or the caller is told."""
    messages = ["a fox", {"role": "user", "content": content}]
    try:
        assert format_image_prompt(messages) == "a fox"
    except BadRequestError as error:
        assert error.field == "messages"


# --- use_aspect_ratio ---------------------------------------------------------------------


def test_the_table_is_gpt4free_s_exactly():
    assert [(r, w, h) for r, (w, h) in ASPECT_RATIOS.items()] == GPT4FREE_RATIOS


@pytest.mark.parametrize(("ratio", "width", "height"), GPT4FREE_RATIOS)
def test_each_ratio_gives_the_table_size(ratio, width, height):
    assert use_aspect_ratio({}, ratio) == {"width": width, "height": height}
    assert use_aspect_ratio({"width": None, "height": None}, ratio) == {
        "width": width,
        "height": height,
    }


@pytest.mark.parametrize("ratio", [None, ""])
def test_no_ratio_means_square(ratio):
    assert use_aspect_ratio({}, ratio) == {"width": 1024, "height": 1024}


@pytest.mark.parametrize("ratio", ["1:1", "16:9", "9:21"])
def test_explicit_width_and_height_win(ratio):
    assert use_aspect_ratio({"width": 640, "height": 480}, ratio) == {"width": 640, "height": 480}


@pytest.mark.parametrize(
    ("extra", "ratio", "expected"),
    [
        ({"width": 1920}, "16:9", {"width": 1920, "height": 1080}),
        ({"height": 1080}, "16:9", {"width": 1920, "height": 1080}),
        ({"width": 512, "height": None}, "1:2", {"width": 512, "height": 1024}),
        ({"width": None, "height": 2048}, "2:1", {"width": 4096, "height": 2048}),
        ({"width": 800}, "4:5", {"width": 800, "height": 1000}),
        ({"height": 700}, "1:1", {"width": 700, "height": 700}),
    ],
)
def test_one_side_given_derives_the_other_from_the_ratio(extra, ratio, expected):
    assert use_aspect_ratio(extra, ratio) == expected


def test_other_request_fields_are_kept():
    result = use_aspect_ratio({"seed": 7, "width": None}, "4:3")
    assert result == {"seed": 7, "width": 1024, "height": 768}


@pytest.mark.parametrize("ratio", ["7:3", "16/9", "1x1", "square"])
def test_an_unknown_ratio_names_the_valid_ones(ratio):
    with pytest.raises(BadRequestError) as caught:
        use_aspect_ratio({}, ratio)
    error = caught.value
    assert error.field == "aspect_ratio"
    assert repr(ratio) in error.message
    for valid in ASPECT_RATIOS:
        assert valid in error.message
