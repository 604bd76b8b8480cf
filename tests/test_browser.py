"""The page in a real browser: Debian's chromium driven by Playwright, every upstream emulated.

The app runs as `python app.py` (the `app_server` fixture) against the emulator Spaces; the
tests steer those through their Controls (hold/release, step latency, faults) to observe the
page's intermediate states without sleeping. One browser serves the module; every test opens
its own context(s), so each is a new visitor with an empty gallery.

Screenshots of the moments a person would look at land in artifacts/screenshots/.
Without /usr/bin/chromium these tests fail (set SPACE_CANVAS_SKIP_BROWSER=1 to skip them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

import providers
from providers import (
    BlackForestLabs_Flux1Dev,
    BlackForestLabs_Flux1Schnell,
    StabilityAI_SD35Large,
)

from .app_server import AppProcess
from .helpers import emulator_for

pytestmark = pytest.mark.browser  # every test in this module

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PROJECTOR = {"width": 1920, "height": 1080}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP, "projector": PROJECTOR}

# Bounded waits (ms): the page's own reactions, and a whole (fast, emulated) generation.
QUICK = 10_000
GENERATION = 30_000

MARKUP = "<img src=x onerror=alert(1)><b>bold</b>"


# ---- fixtures ----


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if os.environ.get("SPACE_CANVAS_SKIP_BROWSER") == "1":
        pytest.skip("SPACE_CANVAS_SKIP_BROWSER=1: browser tests skipped on purpose")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(`apt-get install chromium`, as scripts/test.sh does). "
            "Set SPACE_CANVAS_SKIP_BROWSER=1 to skip them on purpose.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Canvas:
    """One visitor's tab on the app, with the controls a person uses, found as they see them."""

    def __init__(self, page: Page, shots: Shots, who: str = "") -> None:
        self.page, self._shots, self.who = page, shots, who
        self.dialogs: list[str] = []  # alert()/confirm() messages: none may ever fire
        self.errors: list[str] = []  # uncaught exceptions in the page's scripts
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    # -- what is on the page --

    @property
    def prompt(self) -> Locator:
        return self.page.locator("#prompt textarea")

    @property
    def generate_button(self) -> Locator:
        return self.page.get_by_role("button", name="Generate", exact=True)

    @property
    def stop_button(self) -> Locator:
        return self.page.get_by_role("button", name="Stop", exact=True)

    @property
    def model(self) -> Locator:
        return self.page.locator("#model input")

    @property
    def status(self) -> Locator:
        return self.page.locator("#status")

    @property
    def thumbnails(self) -> Locator:
        """The gallery's grid of images (not the enlarged view a click opens)."""
        return self.page.locator("#gallery .grid-container .thumbnail-item")

    @property
    def captions(self) -> Locator:
        return self.page.locator("#gallery .grid-container .caption-label")

    @property
    def live_preview(self) -> Locator:
        """The running generation's latest preview, shown above the gallery."""
        return self.page.locator("#live-preview img")

    @property
    def parameters(self) -> Locator:
        # No elem_id, and Gradio does not tie the "Parameters" label to this textarea.
        return self.page.get_by_placeholder("Click an image to see how it was made")

    @property
    def reuse_button(self) -> Locator:
        return self.page.get_by_role("button", name="Reuse these settings")

    @property
    def negative_prompt(self) -> Locator:
        return self.page.get_by_placeholder("What to leave out")

    @property
    def guidance(self) -> Locator:
        return self.page.locator("#guidance")

    @property
    def toasts(self) -> Locator:
        return self.page.get_by_test_id("toast-body")

    # -- what a person does --

    def choose_model(self, label: str) -> None:
        """Pick a model by its name; the menu's line goes on with what it is good at."""
        self.model.click()
        self.page.get_by_role("option", name=menu_line(label)).click()
        expect(self.model).to_have_value(menu_line(label))

    def open_advanced(self) -> None:
        if not self.page.locator("#steps").is_visible():
            self.page.get_by_role("button", name="Advanced").click()
        expect(self.page.locator("#steps")).to_be_visible()

    def generate(self, prompt: str | None = None) -> None:
        if prompt is not None:
            self.prompt.fill(prompt)
        self.generate_button.click()

    def wait_for_images(self, count: int, caption: str | re.Pattern = "") -> None:
        """Until the gallery holds `count` images, newest first."""
        expect(self.captions).to_have_count(count, timeout=GENERATION)
        if caption:
            expect(self.captions.first).to_have_text(caption, timeout=GENERATION)

    def shot(self, moment: str, *, full_page: bool = True) -> None:
        self._shots.take(self.page, f"{self.who}-{moment}" if self.who else moment, full_page)


class Shots:
    """Screenshots named after the test and the moment, numbered in the order taken."""

    def __init__(self, test_name: str) -> None:
        self.prefix = re.sub(r"[^\w.-]+", "-", test_name).strip("-")
        self.count = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob(f"{self.prefix}__*.png"):
            old.unlink()

    def take(self, page: Page, moment: str, full_page: bool) -> None:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}__{self.count:02d}-{moment}.png"
        page.screenshot(path=str(path), full_page=full_page)


@pytest.fixture
def visit(browser, app_server, fresh, request):
    """`visit(viewport=DESKTOP, who="", url=None, locale="en-US")`: a new visitor (browser
    context) on the loaded page (of the app at `url`, or the emulated one); `locale` is the
    browser's language (navigator.language, Accept-Language)."""
    shots = Shots(request.node.name)
    opened: list[tuple[object, Canvas]] = []

    def open_page(
        viewport: dict = DESKTOP, who: str = "", url: str | None = None, locale: str = "en-US"
    ) -> Canvas:
        context = browser.new_context(viewport=viewport, locale=locale)
        context.set_default_timeout(QUICK)
        canvas = Canvas(context.new_page(), shots, who)
        opened.append((context, canvas))
        canvas.page.goto(url or app_server.url, timeout=GENERATION)
        expect(canvas.prompt).to_be_visible(timeout=GENERATION)
        expect(canvas.page.locator("#generate")).to_be_enabled()  # in any language
        return canvas

    yield open_page
    for context, _ in opened:
        context.close()
    for _, canvas in opened:
        assert not canvas.dialogs, f"the page opened dialogs: {canvas.dialogs}"
        assert not canvas.errors, f"scripts failed in the page: {canvas.errors}"


def menu_line(label: str) -> re.Pattern:
    """The model menu's line for a model, in English or Russian: its name, then what it is
    good at, speed, cost."""
    return re.compile(rf"^{re.escape(label)} · [^·]+ · [^·]+ · \d+ (s|с) GPU$")


def controls(emulators, provider):
    return emulator_for(emulators, provider).controls


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def job_for(space, prompt: str):
    """An emulator's record of the job asked with this prompt."""
    return next(job for job in space.jobs if job.arguments["prompt"] == prompt)


def within_width(locator: Locator, width: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


# ---- tests ----


def test_a_streaming_model_shows_previews_then_the_final_image(visit, emulators):
    dev = controls(emulators, BlackForestLabs_Flux1Dev)
    dev.set_step_latency(0.15)  # 28 steps: previews for about 4 s
    canvas = visit()
    canvas.prompt.fill("A lighthouse on a basalt cliff at dusk")
    canvas.choose_model("FLUX.1 [dev]")
    canvas.shot("ready")
    canvas.generate()

    dev.wait_for(lambda c: bool(c.jobs) and c.jobs[-1].previews_sent >= 1, timeout=15)
    expect(canvas.live_preview).to_be_visible()
    expect(canvas.captions).to_have_count(0)  # the gallery waits for the final image
    expect(canvas.status).to_contain_text(re.compile(r"step \d+ of 28"))
    canvas.shot("preview")

    canvas.wait_for_images(1, re.compile(r"^FLUX\.1 \[dev\] · seed \d+ · 1024×1024$"))
    job = dev.jobs[-1]
    assert job.status == "completed" and job.previews_sent == 28
    expect(canvas.captions.first).to_have_text(f"FLUX.1 [dev] · seed {job.seed_used} · 1024×1024")
    expect(canvas.status).to_contain_text(f"Done: FLUX.1 [dev] · seed {job.seed_used}")
    expect(canvas.live_preview).to_be_hidden()
    assert job.arguments["prompt"] == "A lighthouse on a basalt cliff at dusk"
    canvas.shot("final")


def test_the_guidance_slider_follows_the_model(visit):
    canvas = visit()
    canvas.open_advanced()
    canvas.choose_model("FLUX.1 [dev]")
    expect(canvas.guidance).to_be_visible()
    expect(canvas.page.get_by_label("range slider for Guidance")).to_have_attribute("max", "15")

    canvas.choose_model("FLUX.1 [schnell]")
    expect(canvas.guidance).to_be_hidden()
    expect(canvas.negative_prompt).to_be_hidden()
    canvas.shot("schnell")

    canvas.choose_model("Stable Diffusion 3.5 Large")
    expect(canvas.guidance).to_be_visible()
    slider = canvas.page.get_by_label("range slider for Guidance")
    expect(slider).to_have_attribute("min", "0")
    expect(slider).to_have_attribute("max", "7.5")
    expect(slider).to_have_value("4.5")
    expect(canvas.guidance.get_by_test_id("min-value")).to_have_text("0")
    expect(canvas.guidance.get_by_test_id("max-value")).to_have_text("7.5")
    expect(canvas.page.get_by_label("range slider for Steps")).to_have_value("40")
    expect(canvas.negative_prompt).to_be_visible()
    expect(canvas.negative_prompt).to_be_editable()
    canvas.shot("sd35")


def test_pressing_enter_in_the_prompt_box_generates(visit, emulators):
    schnell = controls(emulators, BlackForestLabs_Flux1Schnell)
    canvas = visit()
    # The placeholder tells people: "Describe the image, then press Enter".
    expect(canvas.prompt).to_have_attribute("placeholder", re.compile("press Enter"))
    canvas.prompt.fill("A red fox curled up in fresh snow")
    canvas.prompt.press("Enter")
    canvas.shot("after-enter")
    expect(canvas.status, "Enter did not start a generation").to_contain_text(
        re.compile("Sending to|Waiting|Done"), timeout=QUICK
    )
    expect(canvas.prompt).to_have_value("A red fox curled up in fresh snow")  # no newline added
    canvas.wait_for_images(1, re.compile(r"^FLUX\.1 \[schnell\]"))
    assert [job.arguments["prompt"] for job in schnell.jobs] == [
        "A red fox curled up in fresh snow"
    ]


def test_stop_cancels_the_upstream_job_and_the_next_generate_works(visit, emulators):
    schnell = controls(emulators, BlackForestLabs_Flux1Schnell)
    schnell.hold()
    canvas = visit()
    canvas.generate("A slow picture that will be stopped")
    schnell.wait_for_jobs(1, status="running", timeout=15)
    expect(canvas.status).to_contain_text("Waiting for a GPU")
    canvas.shot("waiting")

    canvas.stop_button.click()
    expect(canvas.status).to_have_text("Stopped.")
    # The upstream job is cancelled, not left running on the visitor's GPU quota.
    schnell.wait_for(lambda c: c.jobs[0].status == "cancelled", timeout=15)
    assert schnell.running == 0
    expect(canvas.captions).to_have_count(0)
    canvas.shot("stopped")

    schnell.release()
    expect(canvas.generate_button).to_be_enabled()
    canvas.generate("A quick picture right after")
    canvas.wait_for_images(1, re.compile(r"^FLUX\.1 \[schnell\]"))
    assert [(job.arguments["prompt"], job.status) for job in schnell.jobs] == [
        ("A slow picture that will be stopped", "cancelled"),
        ("A quick picture right after", "completed"),
    ]
    expect(canvas.status).to_contain_text("Done: FLUX.1 [schnell]")
    canvas.shot("next-image")


def test_stop_while_previews_stream_takes_the_preview_away(visit, emulators):
    dev = controls(emulators, BlackForestLabs_Flux1Dev)
    dev.set_step_latency(0.3)  # 28 steps: previews for about 8 s
    canvas = visit()
    canvas.choose_model("FLUX.1 [dev]")
    canvas.generate("A preview that will be stopped")
    expect(canvas.live_preview).to_be_visible(timeout=GENERATION)
    canvas.shot("previewing")

    canvas.stop_button.click()
    expect(canvas.status).to_have_text("Stopped.")
    expect(canvas.live_preview).to_be_hidden()
    dev.wait_for(lambda c: c.jobs[-1].status == "cancelled", timeout=15)
    assert dev.jobs[-1].previews_sent < 28
    expect(canvas.captions).to_have_count(0)  # a stopped image never reaches the gallery
    canvas.shot("stopped")


def test_a_selected_image_shows_its_parameters_and_reuse_fills_the_form(visit, emulators):
    schnell = controls(emulators, BlackForestLabs_Flux1Schnell)
    canvas = visit()
    expect(canvas.reuse_button).to_be_hidden()  # "Selected image" opens on a selection
    canvas.generate("Macro photo of a dew-covered fern")
    canvas.wait_for_images(1)
    seed = schnell.jobs[-1].seed_used

    canvas.thumbnails.first.click()
    expect(canvas.parameters).to_have_value(re.compile(r"^Macro photo of a dew-covered fern\n"))
    expect(canvas.parameters).to_have_value(re.compile(rf"Seed: {seed}, Size: 1024x1024"))
    expect(canvas.parameters).to_have_value(re.compile(r"Model: FLUX\.1 \[schnell\]"))
    expect(canvas.reuse_button).to_be_enabled()
    canvas.shot("selected")

    # Change everything the image pins down, then take it back from the image.
    canvas.prompt.fill("Something else entirely")
    canvas.choose_model("Stable Diffusion 3.5 Large")
    canvas.reuse_button.click()
    expect(canvas.prompt).to_have_value("Macro photo of a dew-covered fern")
    expect(canvas.model).to_have_value(menu_line("FLUX.1 [schnell]"))
    canvas.open_advanced()
    expect(canvas.page.get_by_label("Seed", exact=True)).to_have_value(str(seed))
    expect(canvas.page.get_by_label("Random seed")).not_to_be_checked()
    # 1024x1024 is what 1:1 makes on this model: the ratio is restored, not a fixed size.
    expect(canvas.page.get_by_label("Width")).to_have_value("0")
    expect(canvas.guidance).to_be_hidden()  # the model's own controls came back too
    canvas.shot("reused")

    canvas.generate()
    canvas.wait_for_images(2, f"FLUX.1 [schnell] · seed {seed} · 1024×1024")
    again = schnell.jobs[-1].arguments
    assert (again["prompt"], again["seed"], again["randomize_seed"]) == (
        "Macro photo of a dew-covered fern",
        seed,
        False,
    )


def test_a_quota_error_is_readable_with_the_wait_and_no_stack_trace(visit, emulators):
    sd35 = controls(emulators, StabilityAI_SD35Large)
    sd35.inject("quota")
    canvas = visit()
    canvas.choose_model("Stable Diffusion 3.5 Large")
    canvas.generate("Isometric cutaway of a tiny bakery")

    toast = canvas.toasts.first
    expect(toast).to_be_visible(timeout=GENERATION)
    expect(toast).to_contain_text("quota")
    expect(toast).to_contain_text("23 h 41 min")
    expect(toast).to_contain_text("sign in with Hugging Face")
    expect(canvas.status).to_contain_text("Try again in about 23 h 41 min")
    canvas.shot("quota")
    assert [job.fault for job in sd35.jobs] == ["quota"]
    text = canvas.page.locator("body").inner_text()
    for leak in ("Traceback", 'File "', "gradio.exceptions", "raise ", "https://huggingface.co"):
        assert leak not in text, f"the page shows {leak!r}:\n{text}"
    expect(canvas.captions).to_have_count(0)


def test_two_visitors_see_only_their_own_images_and_stop_only_their_own_job(visit, emulators):
    schnell = controls(emulators, BlackForestLabs_Flux1Schnell)
    schnell.hold()
    alice = visit(who="alice")
    bob = visit(who="bob")
    alice.generate("Alice's red fox in snow")
    bob.generate("Bob's blue whale at sea")
    schnell.wait_for_jobs(2, status="running", timeout=15)
    assert schnell.running == 2  # both at once: neither waits for the other
    schnell.release()

    for canvas, own, other in ((alice, "Alice", "Bob"), (bob, "Bob", "Alice")):
        canvas.wait_for_images(1, re.compile(r"^FLUX\.1 \[schnell\]"))
        canvas.thumbnails.first.click()
        expect(canvas.parameters).to_have_value(re.compile(rf"^{own}'s"))
        expect(canvas.parameters).not_to_have_value(re.compile(other))
        canvas.shot("own-image")
    sources = [c.thumbnails.first.locator("img").get_attribute("src") for c in (alice, bob)]
    assert sources[0] != sources[1]

    # Both generate again; Alice stops hers: Bob's job runs on, and only Bob gets an image.
    schnell.hold()
    alice.generate("Alice's second picture")
    bob.generate("Bob's second picture")
    schnell.wait_for_jobs(4, timeout=15)
    schnell.wait_for(lambda c: c.running == 2, timeout=15)
    alice.stop_button.click()
    expect(alice.status).to_have_text("Stopped.")
    schnell.wait_for(lambda c: job_for(c, "Alice's second picture").status != "running", 15)
    assert job_for(schnell, "Alice's second picture").status == "cancelled"
    assert job_for(schnell, "Bob's second picture").status == "running"
    expect(bob.status).not_to_have_text("Stopped.")
    schnell.release()
    bob.wait_for_images(2)
    assert job_for(schnell, "Bob's second picture").status == "completed"
    bob.shot("second-image")
    expect(alice.captions).to_have_count(1)  # never Bob's image, nor her stopped one
    alice.shot("after-stop")


def test_markup_in_a_prompt_is_never_rendered_as_html(visit, emulators):
    sd35 = controls(emulators, StabilityAI_SD35Large)
    canvas = visit()
    canvas.choose_model("Stable Diffusion 3.5 Large")
    canvas.open_advanced()
    canvas.negative_prompt.fill(f"no {MARKUP}")
    canvas.generate(f"A fox {MARKUP} **not bold** [link](javascript:alert(2))")
    canvas.wait_for_images(1, re.compile(r"^Stable Diffusion 3\.5 Large"))
    assert sd35.jobs[-1].arguments["prompt"].startswith(f"A fox {MARKUP}")  # sent as typed

    canvas.thumbnails.first.click()
    expect(canvas.parameters).to_have_value(re.compile(re.escape(f"A fox {MARKUP} **not bold**")))
    expect(canvas.parameters).to_have_value(re.compile(re.escape(f"Negative prompt: no {MARKUP}")))
    canvas.shot("parameters")

    # An error that quotes what was typed: an unknown model name, typed into the menu.
    canvas.model.fill(MARKUP)
    canvas.model.press("Enter")
    canvas.generate()
    toast = canvas.toasts.filter(has_text="Unknown model")
    expect(toast).to_be_visible(timeout=GENERATION)
    # Shown as typed, not as markup nor as &lt;... (errors quote at most 40 characters).
    expect(toast).to_contain_text(MARKUP[:30])
    canvas.shot("error-popup")

    page = canvas.page
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("b", has_text="bold").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert not canvas.dialogs


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_page_fits_the_screen_and_shows_the_image_whole(visit, viewport):
    size = VIEWPORTS[viewport]
    canvas = visit(size)
    canvas.shot("first-view", full_page=False)
    canvas.shot("whole-page")
    assert no_horizontal_scroll(canvas.page), "the page scrolls sideways"
    for control in (canvas.prompt, canvas.generate_button):
        expect(control).to_be_in_viewport()
        assert within_width(control, size["width"])
    if viewport == "phone":
        box = canvas.generate_button.bounding_box()
        assert box is not None and box["height"] >= 44  # a thumb-sized target

    canvas.generate("A lighthouse on a basalt cliff at dusk, oil painting")
    canvas.wait_for_images(1)
    image = canvas.thumbnails.first.locator("img")
    expect(image).to_have_js_property("complete", True)
    canvas.shot("with-image")
    canvas.shot("with-image-first-view", full_page=False)
    assert no_horizontal_scroll(canvas.page), "the page scrolls sideways with an image"
    # The square image, whole: the gallery must not cut its bottom off.
    # Both boxes read in one script run: the page may be scrolling the image into view, and
    # two separate reads would see it at two scroll positions.
    shown, frame = image.evaluate(
        """image => [image, document.querySelector("#gallery")].map((element) => {
            const box = element.getBoundingClientRect();
            return {bottom: box.bottom, height: box.height};
        })"""
    )
    cut = shown["bottom"] - frame["bottom"]
    assert cut <= 1, (
        f"the gallery ({frame['height']:.0f} px high) cuts {cut:.0f} px off the bottom of "
        f"the {shown['height']:.0f} px image"
    )


# ---- what a newcomer met: links, refusals, the phone ----

PHONE_AND_DESKTOP = pytest.mark.parametrize("viewport", ["phone", "desktop"])


@pytest.fixture(scope="module")
def offline_app(tmp_path_factory):
    """The app as on a machine without internet: no SPACE_URLS, every lookup of the real
    Spaces' names refused by the network guard."""
    app = AppProcess("", tmp_path_factory.mktemp("offline"))
    yield app
    app.stop()


def assert_plain_text_in_status(canvas: Canvas) -> None:
    """No Markdown escape shows, and no link is made of one."""
    assert "\\" not in canvas.status.inner_text()
    for link in canvas.status.locator("a").all():
        href = link.get_attribute("href") or ""
        assert "%5C" not in href and "\\" not in href, href


@PHONE_AND_DESKTOP
def test_offline_the_status_line_says_this_machine_cannot_reach_hugging_face(
    visit, offline_app, viewport
):
    canvas = visit(VIEWPORTS[viewport], url=offline_app.url)
    canvas.generate("A lighthouse, with no network")
    expect(canvas.status).to_contain_text(
        re.compile(r"cannot reach Hugging Face: the name [a-z0-9-]+\.hf\.space does not resolve"),
        timeout=GENERATION,
    )
    expect(canvas.status).to_contain_text("Check this machine's internet connection")
    expect(canvas.status).not_to_contain_text("few minutes")
    assert_plain_text_in_status(canvas)
    canvas.shot("offline", full_page=False)


@PHONE_AND_DESKTOP
def test_a_url_in_the_status_line_reads_as_typed_never_as_an_escaped_link(visit, viewport):
    canvas = visit(VIEWPORTS[viewport])
    url = "https://flux-1-dev.hf.space"  # a Space's address pasted as the model
    canvas.model.fill(url)
    canvas.model.press("Enter")
    canvas.generate("A fox")
    expect(canvas.status).to_contain_text(f"Unknown model '{url}'")
    assert_plain_text_in_status(canvas)
    canvas.shot("url-in-status", full_page=False)


def error_badges(canvas: Canvas) -> Locator:
    """Gradio's "Error" status tracker over a component (here: the gallery's images)."""
    return canvas.page.locator("#gallery .error:visible, #gallery :text-is('Error'):visible")


@PHONE_AND_DESKTOP
def test_a_refused_input_replaces_the_status_line_and_leaves_no_badge(visit, viewport):
    canvas = visit(VIEWPORTS[viewport])
    canvas.generate("A red fox curled up in fresh snow")
    canvas.wait_for_images(1)
    canvas.stop_button.click()
    expect(canvas.status).to_have_text("Stopped.")

    canvas.prompt.fill("")
    canvas.generate()
    expect(canvas.status).to_contain_text("prompt is empty")
    expect(canvas.toasts.filter(has_text="prompt is empty")).to_be_visible()
    expect(error_badges(canvas)).to_have_count(0)
    expect(canvas.captions).to_have_count(1)  # the earlier image stays, with no badge over it
    canvas.shot("empty-prompt", full_page=False)

    canvas.model.fill("no-such-model")
    canvas.generate("A fox, on a model that does not exist")
    expect(canvas.status).to_contain_text("Unknown model 'no-such-model'")
    expect(canvas.status).not_to_contain_text("prompt is empty")
    expect(error_badges(canvas)).to_have_count(0)
    canvas.shot("unknown-model", full_page=False)


@PHONE_AND_DESKTOP
def test_the_live_preview_and_the_new_image_come_into_view(visit, emulators, viewport):
    dev = controls(emulators, BlackForestLabs_Flux1Dev)
    dev.set_step_latency(1.0)  # 28 steps: the stream lasts long enough to look at it
    canvas = visit(VIEWPORTS[viewport])
    canvas.choose_model("FLUX.1 [dev]")
    canvas.prompt.fill("A lighthouse on a basalt cliff at dusk")
    canvas.page.evaluate("window.scrollTo(0, 0)")
    canvas.generate()

    expect(canvas.live_preview).to_be_in_viewport(ratio=1, timeout=GENERATION)
    assert dev.jobs[-1].status == "running", "the preview came into view only after the stream"
    canvas.shot("previewing", full_page=False)
    dev.set_step_latency(0)  # the rest of the steps at once
    canvas.wait_for_images(1)
    newest = canvas.thumbnails.first.locator("img")
    expect(newest).to_have_js_property("complete", True)
    expect(newest).to_be_in_viewport(ratio=1)
    canvas.shot("landed", full_page=False)

    # A model without previews, from the top of the page: the image lands in view too.
    canvas.page.evaluate("window.scrollTo(0, 0)")
    canvas.choose_model("FLUX.1 [schnell]")
    canvas.generate("Macro photo of a dew-covered fern unfurling")
    canvas.wait_for_images(2, re.compile(r"^FLUX\.1 \[schnell\]"))
    expect(canvas.thumbnails.first.locator("img")).to_be_in_viewport(ratio=1)
    canvas.shot("second-landed", full_page=False)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_model_menu_reads_well_with_every_model(visit, viewport):
    size = VIEWPORTS[viewport]
    canvas = visit(size)
    canvas.model.click()
    options = canvas.page.get_by_role("option")
    expect(options).to_have_count(len(providers.registry.entries()))
    canvas.shot("menu-open", full_page=False)
    for index in range(options.count()):
        option = options.nth(index)
        expect(option).to_have_text(re.compile(r" · \d+ s GPU$"))
        assert within_width(option, size["width"]), option.inner_text()
    assert no_horizontal_scroll(canvas.page)
    canvas.page.keyboard.press("Escape")


def test_the_form_follows_a_ratio_model_and_a_model_without_guidance(visit):
    canvas = visit()
    canvas.open_advanced()
    canvas.choose_model("Qwen-Image (fast)")
    note = canvas.page.locator(".note").first
    expect(note).to_contain_text("Qwen")
    expect(note).to_contain_text("60 s of your free GPU quota")
    size_note = canvas.page.get_by_text(re.compile("^Size on this model"))
    expect(size_note).to_have_text("Size on this model: 1328 × 1328 (the Space picks it for 1:1)")
    expect(canvas.guidance).to_be_visible()
    expect(canvas.page.get_by_label("range slider for Guidance")).to_have_attribute("max", "10")
    canvas.shot("qwen")
    canvas.choose_model("Z-Image Turbo")
    expect(canvas.guidance).to_be_hidden()
    expect(canvas.negative_prompt).to_be_hidden()
    expect(canvas.page.get_by_label("range slider for Steps")).to_have_value(
        str(providers.TongyiMAI_ZImageTurbo.spec.steps.default)
    )
    canvas.shot("z-image")


# ---- languages ----

# What a visitor reads first, in each language the page has.
FIRST_SIGHT = {
    "en-US": {
        "buttons": ("Generate", "Stop"),
        "labels": ("Advanced", "Prompt", "Model", "Aspect ratio", "Your images"),
        "placeholder": "Describe the image, then press Enter",
        "texts": ("Make images with the free image Spaces", "Black Forest Labs' fast FLUX"),
        "advanced": ("Size on this model: 1024 × 1024", "Steps", "Random seed"),
        "menu": (
            "FLUX.1 [schnell] · quick drafts · fastest · 60 s GPU",
            "Stable Diffusion 3.5 Large · prompt following · slow · 65 s GPU",
        ),
    },
    "ru-RU": {
        "buttons": ("Создать", "Стоп"),
        "labels": ("Дополнительно", "Запрос", "Модель", "Соотношение сторон", "Ваши изображения"),
        "placeholder": "Опишите изображение и нажмите Enter",
        "texts": (
            "Изображения с помощью бесплатных Spaces",
            "Быстрый FLUX от Black Forest Labs",
        ),
        "advanced": ("Размер на этой модели: 1024 × 1024", "Шаги", "Случайное зерно"),
        "menu": (
            "FLUX.1 [schnell] · быстрые черновики · самая быстрая · 60 с GPU",
            "Stable Diffusion 3.5 Large · точно следует запросу · медленная · 65 с GPU",
        ),
    },
}


@pytest.mark.parametrize("locale", list(FIRST_SIGHT))
def test_the_page_reads_in_the_browsers_language(visit, locale):
    canvas = visit(locale=locale)
    seen = FIRST_SIGHT[locale]
    for name in seen["buttons"]:
        expect(canvas.page.get_by_role("button", name=name, exact=True)).to_be_visible()
    body = canvas.page.locator("body")
    for label in seen["labels"]:
        expect(body).to_contain_text(label)
    expect(canvas.prompt).to_have_attribute("placeholder", seen["placeholder"])
    for text in seen["texts"]:
        expect(body).to_contain_text(text)
    # The model menu's lines: the chosen one in the box, the others when it opens.
    chosen, other = seen["menu"]
    expect(canvas.model).to_have_value(chosen)
    canvas.model.click()
    expect(canvas.page.get_by_role("option", name=other, exact=True)).to_be_visible()
    canvas.shot(f"{locale}-menu", full_page=False)
    canvas.page.keyboard.press("Escape")
    canvas.page.get_by_role("button", name=seen["labels"][0]).click()  # Advanced
    expect(canvas.page.locator("#steps")).to_be_visible()
    for text in seen["advanced"]:
        expect(body).to_contain_text(text)
    if locale == "ru-RU":
        for english in ("Generate", "Prompt", "Aspect ratio", "Your images", "Size on this"):
            expect(body).not_to_contain_text(english)
    canvas.shot(locale)


def test_a_russian_visitor_reads_status_lines_and_captions_in_russian(visit, emulators):
    schnell = controls(emulators, BlackForestLabs_Flux1Schnell)
    canvas = visit(locale="ru-RU")
    canvas.prompt.fill("Лиса в снегу")
    canvas.page.locator("#generate").click()
    expect(canvas.captions).to_have_count(1, timeout=GENERATION)
    seed = schnell.jobs[-1].seed_used
    caption = f"FLUX.1 [schnell] · зерно {seed} · 1024×1024"
    expect(canvas.captions.first).to_have_text(caption)
    expect(canvas.status).to_have_text(f"Готово: {caption}")


def test_a_quota_error_pops_up_in_russian_for_a_russian_visitor(visit, emulators):
    sd35 = controls(emulators, StabilityAI_SD35Large)
    sd35.inject("quota")
    canvas = visit(locale="ru-RU", viewport=PHONE)
    canvas.choose_model("Stable Diffusion 3.5 Large")
    expect(canvas.page.locator("body")).to_contain_text("Модель Stability AI на 8 млрд")
    canvas.prompt.fill("Пекарня в разрезе")
    canvas.page.locator("#generate").click()

    toast = canvas.toasts.first
    expect(toast).to_be_visible(timeout=GENERATION)
    expect(toast).to_contain_text("квота GPU на этом Space исчерпана")
    expect(toast).to_contain_text("примерно через 23 ч 41 мин")
    expect(canvas.status).to_contain_text("примерно через 23 ч 41 мин")
    expect(toast).not_to_contain_text("quota")
    canvas.shot("quota-ru", full_page=False)
    assert [job.fault for job in sd35.jobs] == ["quota"]
