"""What a provider yields: images (previews, then one final response) and progress.

The image classes keep gpt4free's shape (`ImageResponse(images, alt)`, `ImagePreview` a kind
of `ImageResponse`), so code written for gpt4free's Space providers reads ours unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImageResponse:
    """The final image of a generation.

    `images` holds local file paths (downloaded from the upstream and checked to be an image);
    `url` is where the upstream Space served the first one.
    """

    images: list[str]
    alt: str
    url: str | None = None
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    model: str | None = None
    provider: str | None = None
    # Every value sent upstream, by the upstream's parameter names: enough to reproduce it.
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.images[0]

    @property
    def prompt(self) -> str:
        return self.alt

    def get_list(self) -> list[str]:
        """gpt4free's accessor for the list of images."""
        return list(self.images)


@dataclass(frozen=True)
class ImagePreview(ImageResponse):
    """An intermediate image streamed by the upstream; `step` counts from 1."""

    step: int | None = None
    total_steps: int | None = None


@dataclass(frozen=True)
class ProgressUpdate:
    """Where a job stands upstream. Yielded only when a caller asks for progress."""

    stage: str  # "queued", "running", "log"
    queue_position: int | None = None
    queue_size: int | None = None
    eta_seconds: float | None = None
    step: int | None = None
    total_steps: int | None = None
    log: str | None = None

    def describe(self) -> str:
        """One short line for a status bar."""
        if self.stage == "queued":
            where = "" if self.queue_position is None else f" (position {self.queue_position + 1})"
            eta = "" if self.eta_seconds is None else f", about {self.eta_seconds:.0f}s"
            return f"Waiting in the Space's queue{where}{eta}"
        if self.stage == "log" and self.log:
            return self.log
        if self.step is not None and self.total_steps:
            return f"Step {self.step} of {self.total_steps}"
        return "Generating"
