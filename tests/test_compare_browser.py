"""The Compare tab in a real browser: several models and images in one run, every upstream
emulated (the fixtures and conventions of test_browser.py)."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Locator, expect

from canvas.pnginfo import read_parameters
from providers import (
    BlackForestLabs_Flux1Dev,
    BlackForestLabs_Flux1Schnell,
    StabilityAI_SD35Large,
)

from . import test_browser
from .test_browser import GENERATION, PHONE, Canvas, controls
from .test_history_browser import wait_seconds

# The browser and visitor fixtures of the page's own browser tests.
browser = test_browser.browser
visit = test_browser.visit

# A compare is several generations at once; the first test also waits for the app to start.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# A whole compare run: several upstream jobs, and a preview for each step of FLUX.1 [dev]'s 28,
# each downloaded, on a machine that may be shared.
RUN = 3 * GENERATION
CAPTION = r" · seed (\d+) · (\d+)×(\d+) · \d+\.\d s\s*$"


def captioned(label: str) -> re.Pattern:
    """A finished cell's caption: its model, seed, size and time taken."""
    return re.compile(r"^\s*" + re.escape(label) + CAPTION)


class Compare:
    """The Compare tab of one visitor's page, as a person sees it."""

    def __init__(self, canvas: Canvas, name: str = "Compare") -> None:
        """`name`: the tab's and its button's, in the page's language."""
        self.canvas, self.page, self.name = canvas, canvas.page, name
        self.page.get_by_role("tab", name=name).click()
        expect(self.prompt).to_be_visible()

    @property
    def prompt(self) -> Locator:
        return self.page.locator("#compare-prompt textarea")

    @property
    def run_button(self) -> Locator:
        return self.page.get_by_role("button", name=self.name, exact=True)

    @property
    def stop_button(self) -> Locator:
        return self.page.locator("#compare-stop")

    @property
    def status(self) -> Locator:
        return self.page.locator("#compare-status")

    @property
    def cost(self) -> Locator:
        return self.page.locator("#compare-cost")

    def caption(self, column: int, image: int = 0) -> Locator:
        return self.page.locator(f"#compare-caption-{column}-{image}")

    def image(self, column: int, image: int = 0) -> Locator:
        return self.page.locator(f"#compare-image-{column}-{image} img")

    def headers(self) -> Locator:
        return self.page.locator("[id^=compare-header-]:visible")

    def choose(self, *labels: str) -> None:
        """Tick exactly these models, in this order."""
        group = self.page.locator("#compare-models")
        for box in group.get_by_role("checkbox").all():
            if box.is_checked():
                box.uncheck()
        for label in labels:
            group.get_by_role("checkbox", name=label, exact=True).check()
        expect(self.headers()).to_have_count(len(labels))

    def images_per_model(self, count: int) -> None:
        number = self.page.locator("#compare-images input[type=number]")
        number.fill(str(count))
        number.press("Enter")

    def run(self, prompt: str) -> None:
        self.prompt.fill(prompt)
        self.run_button.click()

    def wait_for_caption(self, column: int, image: int = 0, text: str | re.Pattern = "") -> str:
        caption = self.caption(column, image)
        expect(caption).to_have_text(text or re.compile(CAPTION), timeout=RUN)
        return caption.inner_text()


def test_two_models_side_by_side_each_show_their_labelled_image(visit, emulators):
    canvas = visit()
    tab = Compare(canvas)
    tab.choose("FLUX.1 [dev]", "Stable Diffusion 3.5 Large")
    expect(tab.headers()).to_have_text(["FLUX.1 [dev]", "Stable Diffusion 3.5 Large"])
    # The cost before it starts: both Spaces' declared GPU seconds, against the tiers.
    expect(tab.cost).to_contain_text("140 GPU seconds")
    expect(tab.cost).to_contain_text("more than a day's quota without an account")
    canvas.shot("chosen")
    tab.run("A lighthouse on a basalt cliff at dusk")

    dev = tab.wait_for_caption(0, text=captioned("FLUX.1 [dev]"))
    sd35 = tab.wait_for_caption(1, text=captioned("Stable Diffusion 3.5 Large"))
    expect(tab.image(0)).to_be_visible()
    expect(tab.image(1)).to_be_visible()
    expect(tab.status).to_contain_text("Done: 2 of 2 images.")
    dev_job = controls(emulators, BlackForestLabs_Flux1Dev).jobs[-1]
    sd35_job = controls(emulators, StabilityAI_SD35Large).jobs[-1]
    assert f"seed {dev_job.seed_used} · 1024×1024" in dev
    assert f"seed {sd35_job.seed_used} · 1024×1024" in sd35
    assert dev_job.seed_used == sd35_job.seed_used  # compared on equal terms
    canvas.shot("both")

    # Both joined the session's images.
    canvas.page.get_by_role("tab", name="Create").click()
    canvas.wait_for_images(2)


def test_a_russian_visitor_reads_the_cost_the_cells_and_the_status_in_russian(visit, emulators):
    controls(emulators, StabilityAI_SD35Large).inject("quota")
    canvas = visit(locale="ru-RU")
    tab = Compare(canvas, name="Сравнить")
    # The first note, for the models ticked at first, then one for the models chosen.
    expect(tab.cost).to_have_text(
        "Этот запуск занимает 120 с GPU из вашей дневной квоты ZeroGPU (FLUX.1 [schnell] 60 с, "
        "Z-Image Turbo 60 с): в пределах дневной квоты даже без аккаунта (2 мин)."
    )
    tab.choose("FLUX.1 [schnell]", "Stable Diffusion 3.5 Large")
    expect(tab.cost).to_contain_text("занимает 125 с GPU")
    expect(tab.cost).to_contain_text(
        "больше дневной квоты без аккаунта (2 мин); в пределах квоты с бесплатным аккаунтом"
    )
    canvas.shot("chosen-ru")
    tab.run("Маяк на скале в сумерках")

    caption = re.compile(r"^\s*FLUX\.1 \[schnell\] · зерно \d+ · 1024×1024 · \d+\.\d с\s*$")
    tab.wait_for_caption(0, text=caption)
    expect(tab.caption(1)).to_contain_text("квота GPU на этом Space исчерпана", timeout=RUN)
    expect(tab.status).to_have_text(
        re.compile(r"^\s*Готово: 1 из 2 изображений; не удалось: 1 \(см\. ячейки\)\.\s*$"),
        timeout=RUN,
    )
    for shown in (tab.cost, tab.status, canvas.page.locator("#compare-cells")):
        for english in ("GPU seconds", "Done", "seed", "quota", "Waiting", re.compile(r"\d s\b")):
            expect(shown).not_to_contain_text(english)
    canvas.shot("done-ru")
    # The image joined the session's images, captioned in Russian there too.
    canvas.page.get_by_role("tab", name="Создать").click()
    canvas.wait_for_images(1, re.compile(r"^FLUX\.1 \[schnell\] · зерно \d+ · 1024×1024$"))


def test_a_quota_error_stays_in_its_cell_while_the_other_image_arrives(visit, emulators):
    controls(emulators, StabilityAI_SD35Large).inject("quota")
    dev = controls(emulators, BlackForestLabs_Flux1Dev)
    dev.hold()
    canvas = visit()
    tab = Compare(canvas)
    tab.choose("FLUX.1 [dev]", "Stable Diffusion 3.5 Large")
    tab.run("A red fox curled up in fresh snow")

    expect(tab.caption(1)).to_contain_text("quota", timeout=GENERATION)
    expect(tab.caption(1)).to_contain_text("23 h 41 min")
    dev.wait_for_jobs(1, status="running", timeout=15)
    expect(tab.caption(0)).not_to_contain_text("quota")
    canvas.shot("quota-in-one-cell")

    dev.release()
    tab.wait_for_caption(0, text=captioned("FLUX.1 [dev]"))
    expect(tab.caption(1)).to_contain_text("quota")
    expect(tab.status).to_contain_text("Done: 1 of 2 images; 1 could not be made")
    assert not canvas.toasts.count()  # the error is the cell's, not the page's
    canvas.shot("other-arrived")


def test_a_quota_error_in_a_compare_cell_starts_the_quota_countdown(visit, emulators):
    sd35 = controls(emulators, StabilityAI_SD35Large)
    sd35.inject("quota_old")  # "... retry in 0:09:48."
    canvas = visit()
    tab = Compare(canvas)
    tab.choose("FLUX.1 [schnell]", "Stable Diffusion 3.5 Large")
    tab.run("A red fox past the quota")
    expect(tab.caption(1)).to_contain_text("quota", timeout=GENERATION)

    # The quota note, on the Create tab, counts the wait down as after a Create's quota error.
    canvas.page.get_by_role("tab", name="Create").click()
    note = canvas.page.locator("#quota")
    wait = note.locator(".wait")
    expect(wait).to_have_text(re.compile(r"^0:09:[0-4]\d$"))
    first = wait.inner_text()
    assert wait_seconds(first) <= 9 * 60 + 48
    expect(wait).not_to_have_text(first)  # the browser counts it down
    assert wait_seconds(wait.inner_text()) < wait_seconds(first)
    expect(note).to_contain_text("A Space said to try again in")
    tab = Compare(canvas)
    tab.wait_for_caption(0, text=captioned("FLUX.1 [schnell]"))
    canvas.page.get_by_role("tab", name="Create").click()
    expect(note.locator(".reserved")).to_have_text("60")  # schnell's image; the refused none
    canvas.shot("compare-quota-wait")
    assert [job.fault for job in sd35.jobs] == ["quota_old"]

    canvas.page.reload(timeout=GENERATION)  # the wait is the browser's to keep
    expect(wait).to_have_text(re.compile(r"^0:09:[0-4]\d$"), timeout=GENERATION)


def test_stop_during_a_compare_ends_both_upstream_jobs_and_the_next_run_works(visit, emulators):
    schnell = controls(emulators, BlackForestLabs_Flux1Schnell)
    sd35 = controls(emulators, StabilityAI_SD35Large)
    for space in (schnell, sd35):
        space.hold()
    canvas = visit()
    tab = Compare(canvas)
    tab.choose("FLUX.1 [schnell]", "Stable Diffusion 3.5 Large")
    tab.run("A slow comparison that will be stopped")
    for space in (schnell, sd35):
        space.wait_for_jobs(1, status="running", timeout=15)
    canvas.shot("running")

    tab.stop_button.click()
    expect(tab.status).to_have_text(re.compile(r"^\s*Stopped\.\s*$"))
    for space in (schnell, sd35):  # cancelled upstream, not left on the visitor's quota
        space.wait_for(lambda c: c.jobs[0].status == "cancelled", timeout=15)
        assert space.running == 0
    expect(tab.caption(0)).to_have_text(re.compile(r"^\s*Stopped\.\s*$"))
    expect(tab.caption(1)).to_have_text(re.compile(r"^\s*Stopped\.\s*$"))
    canvas.shot("stopped")

    for space in (schnell, sd35):
        space.release()
    tab.run("A quick comparison right after")
    tab.wait_for_caption(0, text=captioned("FLUX.1 [schnell]"))
    tab.wait_for_caption(1, text=captioned("Stable Diffusion 3.5 Large"))
    for space in (schnell, sd35):
        assert [job.status for job in space.jobs] == ["cancelled", "completed"]


def test_four_images_of_one_model_with_four_distinct_seeds(visit, emulators, tmp_path):
    canvas = visit()
    tab = Compare(canvas)
    tab.choose("FLUX.1 [schnell]")
    tab.images_per_model(4)
    expect(tab.cost).to_contain_text("240 GPU seconds")
    tab.run("Isometric cutaway of a tiny bakery")

    seeds = []
    for image in range(4):
        caption = tab.wait_for_caption(0, image, captioned("FLUX.1 [schnell]"))
        seeds.append(int(re.search(r"seed (\d+)", caption).group(1)))
    assert len(set(seeds)) == 4
    jobs = controls(emulators, BlackForestLabs_Flux1Schnell).jobs
    assert sorted(job.seed_used for job in jobs) == sorted(seeds)
    canvas.shot("four")

    # "Download all": one zip of the run's PNGs, each with its parameters.
    with canvas.page.expect_download() as download:
        canvas.page.locator("#compare-download").click()
    archive = tmp_path / "images.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(tmp_path)
    assert len(names) == 4 and all(name.endswith(".png") for name in names)
    assert sorted(read_parameters(tmp_path / name).seed for name in names) == sorted(seeds)


def test_the_compare_tab_fits_a_phone(visit):
    canvas = visit(PHONE)
    tab = Compare(canvas)
    tab.choose("FLUX.1 [schnell]", "FLUX.1 [dev]")
    tab.run("A lighthouse at dusk")
    tab.wait_for_caption(1, text=captioned("FLUX.1 [dev]"))
    assert canvas.page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    canvas.shot("phone")


def test_the_whole_session_downloads_as_one_zip(visit, tmp_path):
    canvas = visit()
    tab = Compare(canvas)
    tab.choose("FLUX.1 [schnell]", "Stable Diffusion 3.5 Large Turbo")
    tab.run("A red fox in fresh snow")
    tab.wait_for_caption(0, text=captioned("FLUX.1 [schnell]"))
    tab.wait_for_caption(1, text=captioned("Stable Diffusion 3.5 Large Turbo"))
    canvas.page.get_by_role("tab", name="Create").click()
    canvas.generate("A lighthouse at dusk")
    canvas.wait_for_images(3)

    canvas.page.get_by_role("button", name="Download all as a zip").click()
    link = canvas.page.locator("#session-zip a").first
    expect(link).to_be_visible()
    canvas.shot("session-zip")
    with canvas.page.expect_download() as download:
        link.click()
    archive = tmp_path / "session.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(tmp_path)
    prompts = [read_parameters(tmp_path / name).prompt for name in names]
    # Oldest first: the compare's two, then the one image.
    assert prompts == ["A red fox in fresh snow"] * 2 + ["A lighthouse at dusk"]
