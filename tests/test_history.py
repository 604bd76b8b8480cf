"""The history's entries, the links' queries and the quota estimate, without a browser.

What a browser sends back is untrusted: these tests send what an edited localStorage could.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from canvas import history, links, usage
from canvas.generation import ImageRecord, download_name
from canvas.pnginfo import GenerationParameters

NOW = 1_800_000_000.0


def record(tmp_path: Path, *, model="flux-dev", created=NOW, **changes) -> ImageRecord:
    fields = dict(
        prompt="a red fox, in snow",
        negative_prompt="",
        steps=20,
        guidance_scale=4.0,
        seed=42,
        width=1024,
        height=576,
        model="FLUX.1 [dev]",
        space="black-forest-labs/FLUX.1-dev",
    )
    parameters = GenerationParameters(**(fields | changes))
    image_id = uuid.uuid4().hex
    path = tmp_path / download_name(parameters, image_id)
    path.write_bytes(b"png")
    return ImageRecord(image_id, str(path), model, "FLUX.1 [dev]", parameters, created=created)


def test_an_entry_comes_back_from_the_browser_as_it_went(tmp_path):
    made = record(tmp_path)
    sent = json.loads(json.dumps(history.saved([made])))  # what localStorage holds
    assert str(tmp_path) not in json.dumps(sent)  # no server paths in the browser
    assert history.restored(sent, tmp_path, cap=40) == [made]
    Path(made.path).unlink()
    (expired,) = history.restored(sent, tmp_path, cap=40)
    assert history.is_expired(expired) and expired.parameters == made.parameters


def test_a_new_image_goes_first_and_the_cap_drops_the_oldest(tmp_path):
    first, second, third = (record(tmp_path) for _ in range(3))
    kept = history.with_image(history.with_image([first], second, cap=2), third, cap=2)
    assert kept == [third, second]
    assert history.restored(history.saved([third, second, first]), tmp_path, cap=2) == kept


@pytest.mark.parametrize(
    "change",
    [
        {"file": "../../etc/passwd.png"},
        {"file": "/etc/passwd"},
        {"file": ".hidden.png"},
        {"id": "not-an-id"},
        {"parameters": {"prompt": "x"}},
        {"created": "yesterday"},
        {"model": ["flux-dev"]},
    ],
)
def test_a_tampered_entry_is_dropped_not_trusted(tmp_path, change):
    good = history.saved([record(tmp_path)])[0]
    assert history.restored([good | change, good], tmp_path, cap=40)[0].id == good["id"]
    assert len(history.restored([good | change], tmp_path, cap=40)) == 0
    assert history.restored("not a list", tmp_path, cap=40) == []


def test_an_images_link_reads_back_as_its_settings(tmp_path):
    made = record(tmp_path, negative_prompt="blurry")
    query = dict(parse_qsl(links.query_for(made)[1:]))
    read = links.read(query, "flux-schnell")
    assert read.problems == ()
    assert (read.prompt, read.model) == ("a red fox, in snow", "flux-dev")
    assert read.negative_prompt is None  # FLUX.1 [dev] takes none
    assert (read.aspect_ratio, read.size) == ("16:9", None)  # 1024x576 is 16:9's preset here
    assert (read.steps, read.guidance, read.seed) == (20, 4.0, 42)

    odd = record(tmp_path, width=640, height=832)
    assert dict(parse_qsl(links.query_for(odd)[1:]))["size"] == "640x832"


def test_a_links_bad_values_are_named_and_skipped():
    query = {
        "prompt": "a fox",
        "model": "flux-schnell",
        "steps": "60",
        "guidance": "3",
        "seed": "-1",
        "size": "huge",
        "aspect_ratio": "5:3",
        "__sign": "added by the hub",
    }
    read = links.read(query, "flux-dev")
    assert (read.prompt, read.model) == ("a fox", "flux-schnell")
    assert (read.steps, read.guidance, read.seed, read.size, read.aspect_ratio) == (None,) * 5
    assert read.problems == (
        "Unknown aspect ratio '5:3'. Choose one of: 1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 21:9, "
        "9:21, 4:5, 5:4, 2:1, 1:2.",
        "size must be WIDTHxHEIGHT, such as 1024x768, not 'huge'.",
        "steps must be between 1 and 50, not 60.",
        "guidance: FLUX.1 [schnell] takes no guidance scale.",
        "seed must be between 0 and 2147483647, not -1.",
    )
    assert not links.read({"__theme": "dark"}, "flux-dev").given


def test_the_gpu_estimate_counts_each_image_once_for_a_day(tmp_path):
    schnell = record(tmp_path, model="flux-schnell")
    dev = record(tmp_path, model="flux-dev")
    old = record(tmp_path, model="flux-dev", created=NOW - usage.DAY - 1)
    counted = usage.Usage().with_images([schnell], NOW).with_images([dev, schnell, old], NOW)
    assert counted.reserved(NOW) == 60 + 75  # the Spaces' declared seconds, old one left out
    again = usage.Usage.restored(json.loads(json.dumps(counted.saved())), NOW)
    assert again.with_images([dev, schnell], NOW).reserved(NOW) == 135
    assert again.reserved(NOW + usage.DAY) == 0  # a day later


def test_the_wait_is_the_latest_a_space_gave_while_it_lies_ahead():
    waiting = usage.Usage().with_retry_at(NOW + 588, NOW).with_retry_at(NOW + 10, NOW)
    assert waiting.wait(NOW) == 588
    assert waiting.wait(NOW + 600) is None
    assert usage.Usage.restored(waiting.saved(), NOW + 600).retry_at is None
    tampered = {"reserved": [["x", NOW, 60], [uuid.uuid4().hex, NOW, True]], "retry_at": "soon"}
    assert usage.Usage.restored(tampered, NOW) == usage.Usage()
