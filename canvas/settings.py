"""Operator settings, read once from the environment at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _integer(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def _path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else None


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")


@dataclass(frozen=True)
class Settings:
    # Generations waiting on upstreams at once. Each mostly waits on the network, so this is
    # far above Gradio's default of 1 per event, which would serialize every visitor.
    concurrency: int = 64
    queue_size: int = 256  # visitors waiting beyond `concurrency`; more get "queue full"
    # Generations one visitor may have at once (canvas.fair_share): 4 lets a compare of four
    # models run at once, and 16 such visitors fill the 64 slots.
    per_visitor: int = 4
    fallback: bool = True  # try another Space of the same model when one is out of quota
    job_timeout: int = 300  # seconds for one upstream job, queue included
    client_idle: int = 60  # seconds an unused upstream connection (a Client) is kept
    history_size: int = 40  # images kept in a visitor's history, in their browser
    # Encrypts the history in the browser's storage. It reaches every browser with the page,
    # so it keeps the history from a casual look, not from its owner; it must stay fixed, or
    # every visitor's history is lost on a restart.
    history_secret: str = "space-canvas:local"
    # The app's files (PNGs, downloaded previews); None: the app's choice (inside Gradio's
    # cache, so they are served without a copy).
    files_dir: Path | None = None
    files_max_mb: int = 2048  # the folder is pruned, oldest first, past this size
    files_max_age: int = 24 * 3600  # seconds a file is kept
    # "Sign in with Hugging Face": only on a Space with OAuth set up (HF sets SYSTEM=spaces
    # and OAUTH_CLIENT_ID); anywhere else Gradio would mock it by calling the Hub at start-up.
    login: bool = False
    mcp: bool = True  # serve the documented endpoints as MCP tools at /gradio_api/mcp/

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            concurrency=_integer("SPACE_CANVAS_CONCURRENCY", cls.concurrency),
            queue_size=_integer("SPACE_CANVAS_QUEUE_SIZE", cls.queue_size),
            fallback=_flag("SPACE_CANVAS_FALLBACK", cls.fallback),
            job_timeout=_integer("SPACE_CANVAS_TIMEOUT", cls.job_timeout),
            client_idle=_integer("SPACE_CANVAS_CLIENT_IDLE", cls.client_idle),
            history_size=_integer("SPACE_CANVAS_HISTORY", cls.history_size),
            history_secret=os.environ.get("SPACE_CANVAS_HISTORY_SECRET", "").strip()
            # One per Space by default (HF sets SPACE_ID), so copies of the app differ.
            or f"space-canvas:{os.environ.get('SPACE_ID') or 'local'}",
            files_dir=_path("SPACE_CANVAS_FILES"),
            files_max_mb=_integer("SPACE_CANVAS_FILES_MAX_MB", cls.files_max_mb),
            files_max_age=_integer("SPACE_CANVAS_FILES_MAX_AGE", cls.files_max_age),
            per_visitor=_integer("SPACE_CANVAS_PER_VISITOR", cls.per_visitor),
            login=_on_a_space_with_oauth() and _flag("SPACE_CANVAS_LOGIN", True),
            mcp=_flag("SPACE_CANVAS_MCP", cls.mcp),
        )


def _on_a_space_with_oauth() -> bool:
    return os.environ.get("SYSTEM") == "spaces" and bool(os.environ.get("OAUTH_CLIENT_ID"))
