"""The visitor's GPU quota, estimated: what their images reserved today, and any wait.

The count lives in the visitor's browser (a `gr.BrowserState`), beside their history, so it
survives reloads and restarts and no server keeps it. It grows by itself as images join the
history (whichever part made them); a part that meets a quota error with a wait puts the
time to try again into `retry_at`. The wait is counted down in the browser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr

from canvas import usage as quota
from canvas.settings import Settings
from providers import QuotaExceededError, ResponseError

from . import on_page_load
from .i18n import ENGLISH, language_of, say

STORAGE_KEY = "space-canvas-gpu"
# Counts every `[data-seconds]` element down once a second, from when it was drawn: the
# server only says how long is left, so the browser's clock need not agree with it.
COUNTDOWN = """
const two = (n) => String(n).padStart(2, "0");
const tick = () => {
  element.querySelectorAll("[data-seconds]").forEach((clock) => {
    if (!clock.dataset.deadline) {
      clock.dataset.deadline = String(Date.now() + Number(clock.dataset.seconds) * 1000);
    }
    const left = Math.max(0, Math.round((Number(clock.dataset.deadline) - Date.now()) / 1000));
    const hours = Math.floor(left / 3600);
    clock.textContent = hours + ":" + two(Math.floor((left % 3600) / 60)) + ":" + two(left % 60);
  });
};
tick();
setInterval(tick, 1000);
"""


@dataclass(frozen=True)
class Quota:
    note: gr.HTML
    retry_at: gr.State  # when a Space last said to try again (seconds since the epoch)
    saved: gr.BrowserState


def retry_time(*errors: ResponseError):
    """When the Spaces said this visitor may try again (the latest of these errors' waits),
    for `Quota.retry_at`; no change if none of them gave a wait. Every tab feeds it so."""
    waits = [
        error.wait.total_seconds()
        for error in errors
        if isinstance(error, QuotaExceededError) and error.wait is not None
    ]
    return time.time() + max(waits) if waits else gr.skip()


def clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def note(
    usage: quota.Usage, now: float, *, signed_in: bool, can_sign_in: bool, language: str = ENGLISH
) -> str:
    """The estimate in words, as HTML (only numbers and the app's own text go in)."""
    tier = quota.likely_tier(signed_in)
    parts = [
        say(
            "quota_used",
            language,
            reserved=f'<span class="reserved">{usage.reserved(now)}</span>',
            daily=tier.daily_seconds // 60,
            tier=say("tier_signed_in" if signed_in else "tier_anonymous", language),
        )
    ]
    if not signed_in and can_sign_in:
        more = quota.likely_tier(True)
        parts.append(say("quota_sign_in", language, daily=more.daily_seconds // 60))
    wait = usage.wait(now)
    if wait is not None:
        clock_html = f'<span class="wait" data-seconds="{round(wait)}">{clock(wait)}</span>'
        parts.append(say("quota_retry", language, wait=clock_html))
    parts.append(say("quota_estimate", language))
    return f"<p>{' '.join(parts)}</p>"


def build(history: gr.State, settings: Settings, *, login: bool) -> Quota:
    """Lay out the quota note here; keep the count in the browser and refresh it."""
    saved = gr.BrowserState({}, storage_key=STORAGE_KEY, secret=settings.history_secret)
    retry_at = gr.State(None)
    # Empty until the page loads: the note is worded then, in the visitor's language.
    shown = gr.HTML(
        "",
        js_on_load=COUNTDOWN,
        elem_id="quota",
        elem_classes="note",
    )

    def worded(usage: quota.Usage, now: float, profile, request: gr.Request) -> str:
        signed_in = profile is not None
        return note(
            usage, now, signed_in=signed_in, can_sign_in=login, language=language_of(request)
        )

    def restore(value, request: gr.Request, profile: gr.OAuthProfile | None = None):
        now = time.time()
        usage = quota.Usage.restored(value, now)
        return usage.retry_at, worded(usage, now, profile, request)

    def refresh(records, retry, value, request: gr.Request, profile: gr.OAuthProfile | None = None):
        now = time.time()
        usage = (
            quota.Usage.restored(value, now)
            .with_images(records or [], now)
            .with_retry_at(retry, now)
        )
        return usage.saved(), worded(usage, now, profile, request)

    on_page_load(restore, inputs=[saved], outputs=[retry_at, shown])
    gr.on(
        [history.change, retry_at.change],
        refresh,
        inputs=[history, retry_at, saved],
        outputs=[saved, shown],
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )
    return Quota(note=shown, retry_at=retry_at, saved=saved)
