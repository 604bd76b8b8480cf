"""The visitor's history, shared links and quota estimate, in a real browser.

The history lives in the browser's localStorage: a reload, and a new app process on the same
address (the same origin, so the same storage), find it again. Files are pruned with the app's
own pruning code, as time would. Every Space is emulated; waits are bounded expectations.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from canvas.files import ImageFolder
from providers import BlackForestLabs_Flux1Dev, BlackForestLabs_Flux1Schnell, StabilityAI_SD35Large

from .app_server import AppProcess
from .test_browser import (  # noqa: F401 (the browser fixture, shared with those tests)
    DESKTOP,
    GENERATION,
    PHONE,
    QUICK,
    Canvas,
    Shots,
    browser,
    controls,
)

# Bounds for a busy machine (an app start alone may take minutes), not speed checks.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SCHNELL_CAPTION = re.compile(r"^FLUX\.1 \[schnell\] · seed \d+ · 1024×1024$")


@pytest.fixture
def open_tab(browser, fresh, request):  # noqa: F811 (the fixture imported above)
    """`open_tab(url, viewport=DESKTOP, context=None, locale="en-US")`: a visitor's tab; each
    context is a browser of its own, with its own localStorage."""
    shots = Shots(request.node.name)
    contexts = []
    canvases: list[Canvas] = []

    def open_page(url: str, viewport: dict = DESKTOP, context=None, locale="en-US") -> Canvas:
        if context is None:
            context = browser.new_context(viewport=viewport, locale=locale)
            context.set_default_timeout(QUICK)
            contexts.append(context)
        canvas = Canvas(context.new_page(), shots)
        canvases.append(canvas)
        canvas.page.goto(url, timeout=GENERATION)
        ready(canvas)
        return canvas

    yield open_page
    for context in contexts:
        context.close()
    for canvas in canvases:
        assert not canvas.dialogs, f"the page opened dialogs: {canvas.dialogs}"
        assert not canvas.errors, f"scripts failed in the page: {canvas.errors}"


def ready(canvas: Canvas) -> None:
    expect(canvas.prompt).to_be_visible(timeout=GENERATION)
    expect(canvas.page.locator("#generate")).to_be_enabled()  # in any language


def reload(canvas: Canvas) -> None:
    canvas.page.reload(timeout=GENERATION)
    ready(canvas)


def clear_button(canvas: Canvas):
    return canvas.page.get_by_role("button", name="Clear history")


def quota_note(canvas: Canvas):
    return canvas.page.locator("#quota")


def reserved_seconds(canvas: Canvas):
    return canvas.page.locator("#quota .reserved")


def settings_link(canvas: Canvas):
    return canvas.page.locator("#settings-link a")


def seed_box(canvas: Canvas):
    return canvas.page.get_by_label("Seed", exact=True)


def steps_slider(canvas: Canvas):
    return canvas.page.get_by_label("range slider for Steps")


def guidance_slider(canvas: Canvas):
    return canvas.page.get_by_label("range slider for Guidance")


def wait_seconds(text: str) -> int:
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


# ---- the history ----


@pytest.mark.timeout(600)  # two app starts
def test_the_history_survives_a_reload_and_a_restart_and_outlives_its_file(
    open_tab, emulators, space_urls, tmp_path
):
    schnell = controls(emulators, BlackForestLabs_Flux1Schnell)
    app = AppProcess(space_urls, tmp_path)
    try:
        canvas = open_tab(app.url)
        canvas.generate("A lighthouse kept in the history")
        canvas.wait_for_images(1, SCHNELL_CAPTION)
        seed = schnell.jobs[-1].seed_used

        reload(canvas)
        canvas.wait_for_images(1, f"FLUX.1 [schnell] · seed {seed} · 1024×1024")
        expect(canvas.thumbnails.first.locator("img")).to_have_js_property("complete", True)
        canvas.thumbnails.first.click()
        expect(canvas.parameters).to_have_value(re.compile(r"^A lighthouse kept in the history\n"))
        expect(canvas.parameters).to_have_value(re.compile(rf"Seed: {seed}, Size: 1024x1024"))
        expect(canvas.parameters).to_have_value(re.compile(r"Made: \d{4}-\d\d-\d\d \d\d:\d\d UTC"))
        canvas.shot("after-reload")

        # A new app process on the same address: the browser's storage is the same.
        app.stop()
        app = AppProcess(space_urls, tmp_path, port=app.port)
        reload(canvas)
        canvas.wait_for_images(1, f"FLUX.1 [schnell] · seed {seed} · 1024×1024")
        canvas.thumbnails.first.click()
        expect(canvas.parameters).to_have_value(re.compile(r"^A lighthouse kept in the history\n"))
        canvas.shot("after-restart")

        # The app's folder pruned, as a day would: the entry stays, saying its file is gone.
        ImageFolder(tmp_path / "gradio" / "space-canvas", max_age=0).prune()
        reload(canvas)
        canvas.wait_for_images(1, f"FLUX.1 [schnell] · seed {seed} · 1024×1024 · expired")
        placeholder = canvas.thumbnails.first.locator("img")  # the image's place, kept
        expect(placeholder).to_have_js_property("complete", True)
        assert placeholder.evaluate("image => image.naturalWidth") == 512
        canvas.thumbnails.first.click()
        expect(canvas.parameters).to_have_value(re.compile(r"File: no longer kept"))
        expect(canvas.parameters).to_have_value(re.compile(rf"Seed: {seed}, Size: 1024x1024"))
        canvas.shot("expired")
        canvas.prompt.fill("Something else")
        canvas.reuse_button.click()
        expect(canvas.prompt).to_have_value("A lighthouse kept in the history")
        canvas.open_advanced()
        expect(seed_box(canvas)).to_have_value(str(seed))
        assert "A lighthouse kept in the history" not in app.log()  # no server-side history
    finally:
        app.stop()


def test_clear_history_empties_it_for_good_and_a_new_browser_starts_empty(
    open_tab, app_server, emulators
):
    canvas = open_tab(app_server.url)
    canvas.generate("A picture to forget")
    canvas.wait_for_images(1, SCHNELL_CAPTION)
    canvas.generate("Another picture to forget")
    canvas.wait_for_images(2)
    stranger = open_tab(app_server.url)  # another browser: none of these images
    expect(stranger.captions).to_have_count(0)

    canvas.thumbnails.first.click()
    expect(canvas.reuse_button).to_be_enabled()
    clear_button(canvas).click()
    expect(canvas.captions).to_have_count(0)
    expect(canvas.reuse_button).to_be_disabled()
    canvas.shot("cleared")
    reload(canvas)
    expect(canvas.generate_button).to_be_enabled()
    expect(canvas.captions).to_have_count(0)
    # The empty gallery shows your images to come; it offers no upload (the app takes none).
    expect(canvas.page.locator("#gallery input[type=file]")).to_have_count(0)
    # Clearing the history does not make the day's GPU use disappear.
    expect(reserved_seconds(canvas)).to_have_text("120")


# ---- links ----


def test_a_link_with_settings_fills_the_form(open_tab, app_server, emulators):
    dev = controls(emulators, BlackForestLabs_Flux1Dev)
    query = {
        "prompt": "A fox & a hare (shared)",
        "model": "flux-dev",
        "aspect_ratio": "16:9",
        "steps": "12",
        "guidance": "5.5",
        "seed": "42",
    }
    canvas = open_tab(f"{app_server.url}?{urlencode(query)}")
    expect(canvas.prompt).to_have_value("A fox & a hare (shared)")
    expect(canvas.model).to_have_value(re.compile(r"^FLUX\.1 \[dev\]"))
    expect(canvas.page.get_by_label("Aspect ratio")).to_have_value("16:9")
    expect(canvas.status).to_contain_text("The link's settings are in the form")
    canvas.open_advanced()
    expect(steps_slider(canvas)).to_have_value("12")
    expect(guidance_slider(canvas)).to_have_value("5.5")
    expect(seed_box(canvas)).to_have_value("42")
    expect(canvas.page.get_by_label("Random seed")).not_to_be_checked()
    canvas.shot("filled")

    canvas.generate()
    canvas.wait_for_images(1, "FLUX.1 [dev] · seed 42 · 1024×576")
    sent = dev.jobs[-1].arguments
    assert (sent["num_inference_steps"], sent["guidance_scale"], sent["seed"]) == (12, 5.5, 42)


def test_a_link_with_a_bad_value_names_it_and_never_sends_it(open_tab, app_server, emulators):
    dev = controls(emulators, BlackForestLabs_Flux1Dev)
    query = {"prompt": "A link with too many steps", "model": "flux-dev", "steps": "60"}
    canvas = open_tab(f"{app_server.url}?{urlencode(query)}")
    expect(canvas.status).to_contain_text("skipped: steps must be between 1 and 50, not 60.")
    expect(canvas.prompt).to_have_value("A link with too many steps")  # the rest is taken
    expect(canvas.model).to_have_value(re.compile(r"^FLUX\.1 \[dev\]"))
    canvas.open_advanced()
    expect(steps_slider(canvas)).to_have_value("28")  # the model's default, not 60
    canvas.shot("bad-value")

    canvas.generate()
    canvas.wait_for_images(1, re.compile(r"^FLUX\.1 \[dev\]"))
    assert [job.arguments["num_inference_steps"] for job in dev.jobs] == [28]

    unknown = open_tab(f"{app_server.url}?{urlencode({'model': '<b>nope</b>', 'seed': '1.5'})}")
    expect(unknown.status).to_contain_text("Unknown model '<b>nope</b>'")
    expect(unknown.status).to_contain_text("seed must be a whole number, not 1.5.")
    expect(unknown.model).to_have_value(re.compile(r"^FLUX\.1 \[schnell\]"))
    assert unknown.page.locator("#status b").count() == 0


def test_an_images_details_link_restores_its_settings(open_tab, app_server, emulators):
    sd35 = controls(emulators, StabilityAI_SD35Large)
    canvas = open_tab(app_server.url)
    canvas.choose_model("Stable Diffusion 3.5 Large")
    canvas.open_advanced()
    canvas.negative_prompt.fill("blurry, text")
    canvas.page.get_by_label("Width").fill("640")
    canvas.page.get_by_label("Height").fill("832")
    canvas.generate("A basalt cliff, shared by link")
    canvas.wait_for_images(1, re.compile(r"^Stable Diffusion 3\.5 Large · seed \d+ · 640×832$"))
    seed = sd35.jobs[-1].seed_used
    canvas.thumbnails.first.click()
    expect(settings_link(canvas)).to_have_text("Link to these settings")
    canvas.shot("link")

    with canvas.page.context.expect_page() as opened:
        settings_link(canvas).click()
    shared = opened.value
    shared_canvas = Canvas(shared, canvas._shots, "shared")
    ready(shared_canvas)
    expect(shared_canvas.prompt).to_have_value("A basalt cliff, shared by link")
    expect(shared_canvas.model).to_have_value(re.compile(r"^Stable Diffusion 3\.5 Large"))
    shared_canvas.open_advanced()
    expect(shared_canvas.negative_prompt).to_have_value("blurry, text")
    expect(shared_canvas.page.get_by_label("Width")).to_have_value("640")
    expect(shared_canvas.page.get_by_label("Height")).to_have_value("832")
    expect(seed_box(shared_canvas)).to_have_value(str(seed))
    expect(steps_slider(shared_canvas)).to_have_value("40")
    expect(guidance_slider(shared_canvas)).to_have_value("4.5")
    shared_canvas.shot("opened")
    assert not shared_canvas.errors


# ---- the quota estimate ----


def test_the_gpu_seconds_shown_grow_with_each_image(open_tab, app_server, emulators):
    canvas = open_tab(app_server.url, viewport=PHONE)
    expect(quota_note(canvas)).to_contain_text("estimate")
    expect(quota_note(canvas)).to_contain_text("2 min a day a visitor without an account gets")
    expect(reserved_seconds(canvas)).to_have_text("0")
    canvas.generate("A first image on the quota")
    canvas.wait_for_images(1, SCHNELL_CAPTION)
    expect(reserved_seconds(canvas)).to_have_text("60")  # FLUX.1 [schnell] declares 60 s

    canvas.choose_model("FLUX.1 [dev]")
    canvas.generate("A second image on the quota")
    canvas.wait_for_images(2, re.compile(r"^FLUX\.1 \[dev\]"))
    expect(reserved_seconds(canvas)).to_have_text("135")  # and FLUX.1 [dev] 75 s
    canvas.shot("quota")
    reload(canvas)
    expect(reserved_seconds(canvas)).to_have_text("135")


def test_after_a_quota_error_the_wait_counts_down(open_tab, app_server, emulators):
    sd35 = controls(emulators, StabilityAI_SD35Large)
    sd35.inject("quota_old")  # "... retry in 0:09:48."
    canvas = open_tab(app_server.url)
    canvas.choose_model("Stable Diffusion 3.5 Large")
    canvas.generate("An image past the quota")
    wait = canvas.page.locator("#quota .wait")
    expect(wait).to_have_text(re.compile(r"^0:09:4\d$"), timeout=GENERATION)
    first = wait.inner_text()
    assert wait_seconds(first) <= 9 * 60 + 48
    expect(wait).not_to_have_text(first)  # the browser counts it down
    assert wait_seconds(wait.inner_text()) < wait_seconds(first)
    expect(quota_note(canvas)).to_contain_text("A Space said to try again in")
    expect(reserved_seconds(canvas)).to_have_text("0")  # a refused call reserved nothing
    canvas.shot("waiting")
    assert [job.fault for job in sd35.jobs] == ["quota_old"]

    reload(canvas)  # the wait is the browser's to keep, too
    expect(wait).to_have_text(re.compile(r"^0:09:[0-4]\d$"))


# ---- in Russian ----


def test_a_russian_visitor_reads_the_history_links_and_quota_in_russian(
    open_tab, app_server, emulators
):
    query = {"prompt": "Лиса по ссылке", "model": "flux-dev", "steps": "60", "size": "huge"}
    canvas = open_tab(f"{app_server.url}?{urlencode(query)}", viewport=PHONE, locale="ru-RU")
    expect(canvas.status).to_contain_text("Остальные настройки из ссылки — в форме; пропущено:")
    expect(canvas.status).to_contain_text("Шаги: значение должно быть от 1 до 50, а не 60.")
    expect(canvas.status).to_contain_text("Размер: нужно ШИРИНАxВЫСОТА")
    expect(canvas.prompt).to_have_value("Лиса по ссылке")
    expect(quota_note(canvas)).to_contain_text("Ваша квота GPU, оценка:")
    expect(quota_note(canvas)).to_contain_text("посетитель без аккаунта")
    expect(reserved_seconds(canvas)).to_have_text("0")
    # The page's first view stays at the top: restoring an empty history scrolls nothing.
    assert canvas.page.evaluate("window.scrollY") == 0
    canvas.page.locator("#generate").click()
    canvas.wait_for_images(1, re.compile(r"^FLUX\.1 \[dev\] · зерно \d+ · 1024×1024$"))
    expect(reserved_seconds(canvas)).to_have_text("75")
    canvas.thumbnails.first.click()
    expect(settings_link(canvas)).to_have_text("Ссылка на эти настройки")
    expect(canvas.page.get_by_role("button", name="Очистить историю")).to_be_visible()
    canvas.shot("ru")
    assert "quota" not in quota_note(canvas).inner_text()

    # A reload on a phone keeps the history, and leaves the page at its top (the form first).
    reload(canvas)
    canvas.wait_for_images(1, re.compile(r"^FLUX\.1 \[dev\] · зерно"))
    expect(canvas.thumbnails.first.locator("img")).to_have_js_property("complete", True)
    assert canvas.page.evaluate("window.scrollY") == 0
