"""What a provider yields: images (previews, then one final response) and progress.

The image classes keep gpt4free's shape (`ImageResponse(images, alt)`, `ImagePreview` a kind
of `ImageResponse`, `urls`, `options`, `get_list()`, markdown `str()`), so code written for
gpt4free's Space providers reads ours unchanged; with g4f installed they are g4f's response
types too (see `gpt4free`). Not frozen: g4f's GUI rewrites a response's `alt`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import gpt4free

_MARKDOWN_SPECIAL = re.compile(r"([\\\[\]()])")


@dataclass
class ImageResponse(*gpt4free.IMAGE_BASES):
    """The final image of a generation.

    `images` holds local file paths (downloaded from the upstream and checked to be an image);
    `url` is where the upstream Space served the first one, and `urls` (what gpt4free code
    reads, with `get_list()`) lists the upstream addresses.
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
    # gpt4free's fields: the upstream addresses, and options its consumers look up with get().
    urls: list[str] = field(init=False, repr=False, compare=False)
    options: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.urls = [self.url] if self.url else list(self.images)
        self.options = {
            key: value
            for key, value in (
                ("width", self.width),
                ("height", self.height),
                ("seed", self.seed),
                ("model", self.model),
            )
            if value is not None
        }

    @property
    def path(self) -> str:
        return self.images[0]

    @property
    def prompt(self) -> str:
        return self.alt

    def get(self, key: str, default: Any = None) -> Any:
        """gpt4free's accessor for an option."""
        return self.options.get(key, default)

    def get_list(self) -> list[str]:
        """gpt4free's accessor for the images: their upstream URLs (`images` are local)."""
        return list(self.urls)

    def __str__(self) -> str:
        """Markdown, as gpt4free's chat answers carry an image: a linked picture per URL."""
        alt = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(self.alt.split()))
        return "\n".join(f"[![{alt}]({url})]({url})" for url in self.urls)


@dataclass
class ImagePreview(ImageResponse, *gpt4free.PREVIEW_BASES):
    """An intermediate image streamed by the upstream; `step` counts from 1.

    Hidden, as gpt4free's previews are: joined into a chat answer it adds nothing.
    """

    step: int | None = None
    total_steps: int | None = None

    def __str__(self) -> str:
        return ""


@dataclass(frozen=True)
class ProgressUpdate(*gpt4free.HIDDEN_BASES):
    """Where a job stands upstream. Yielded only when a caller asks for progress; a hidden
    response to gpt4free code."""

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
