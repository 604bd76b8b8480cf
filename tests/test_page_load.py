"""The parts' page-load steps run as one event (`ui.load_page_in_one_event`): each part's
restore still happens, in order, and one part's failure leaves the others' in place."""

from __future__ import annotations

import logging

import gradio as gr
import httpx

from ui import load_page_in_one_event, on_page_load


def built_page(steps) -> tuple[gr.Blocks, list[gr.Textbox]]:
    with gr.Blocks() as page:
        boxes = [gr.Textbox(str(index)) for index in range(3)]
        for fn, inputs, outputs in steps(boxes):
            on_page_load(fn, inputs=inputs, outputs=outputs)
        load_page_in_one_event(page)
    return page, boxes


def the_load_event(page: gr.Blocks):
    loads = [fn for fn in page.fns.values() if fn.name == "page_loaded"]
    assert len(loads) == 1
    return loads[0]


def test_every_step_runs_and_a_later_value_wins_unless_it_is_a_skip():
    page, boxes = built_page(
        lambda b: [
            (lambda first: (f"{first}+a", "from a"), [b[0]], [b[1], b[2]]),
            (lambda: gr.skip(), [], [b[1]]),  # leaves a's value
            (lambda: gr.skip(), [], [b[1], b[2]]),  # one skip for both: leaves them too
            (lambda second: second.upper(), [b[1]], [b[2]]),  # replaces a's value
        ]
    )
    load = the_load_event(page)
    updates = load.fn({boxes[0]: "x", boxes[1]: "y"}, None)
    assert updates[boxes[1]] == "x+a"
    assert updates[boxes[2]] == "Y"
    assert boxes[0] not in updates  # no step writes it


def test_a_failing_step_is_logged_and_the_others_still_apply(caplog):
    def broken():
        raise ValueError("bad saved data")

    page, boxes = built_page(
        lambda b: [
            (broken, [], [b[0]]),
            (lambda: "restored", [], [b[1]]),
        ]
    )
    with caplog.at_level(logging.ERROR, logger="space_canvas"):
        updates = the_load_event(page).fn({}, None)
    assert updates[boxes[1]] == "restored"
    assert updates[boxes[0]] == gr.skip()
    assert "broken" in caplog.text and "bad saved data" in caplog.text


def test_a_step_giving_the_wrong_number_of_values_is_logged_and_skipped(caplog):
    page, boxes = built_page(
        lambda b: [
            (lambda: ("one", "two", "three"), [], [b[0], b[1]]),
            (lambda: "fine", [], [b[2]]),
        ]
    )
    with caplog.at_level(logging.ERROR, logger="space_canvas"):
        updates = the_load_event(page).fn({}, None)
    assert updates[boxes[0]] == updates[boxes[1]] == gr.skip()
    assert updates[boxes[2]] == "fine"
    assert "page-load step failed" in caplog.text


def test_request_and_profile_reach_only_the_steps_that_take_them():
    seen = {}

    def wants_request(request):
        seen["request"] = request
        return "r"

    def wants_profile(profile=None):
        seen["profile"] = profile
        return "p"

    page, boxes = built_page(
        lambda b: [
            (wants_request, [], [b[0]]),
            (wants_profile, [], [b[1]]),
            (lambda: "plain", [], [b[2]]),
        ]
    )
    request, profile = object(), object()
    updates = the_load_event(page).fn({}, request, profile)
    assert seen == {"request": request, "profile": profile}
    assert [updates[box] for box in boxes] == ["r", "p", "plain"]


def test_the_app_asks_one_thing_of_the_server_when_a_page_loads(app_server):
    """Model note, history, quota and link: four parts, one request per first view."""
    config = httpx.get(f"{app_server.url}config", timeout=30).json()
    loads = [
        dependency
        for dependency in config["dependencies"]
        if any(target[1] == "load" for target in dependency["targets"])
    ]
    assert len(loads) == 1
    assert not loads[0]["queue"]  # answered at once, not behind generations in the queue
