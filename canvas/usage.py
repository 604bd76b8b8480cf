"""A visitor's ZeroGPU quota, as this app can know it: an estimate, never a measurement.

No public API tells a visitor's quota. What the app knows: each call to a Space reserves the
GPU seconds the Space declares (`SpaceSpec.gpu_seconds`), and only a call that made an image
surely reserved them (a refused call reserved nothing). So the estimate is the sum of the
declared seconds of the images made for this browser in the last 24 hours (the quota resets
a day after first use), against the hub's documented daily tiers, plus the time until a
Space last said to try again. Spent quota also recovers gradually upstream, so the figure is
an upper bound of what is used, and the wait an upper bound of what is left to wait.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import providers
from providers import BadRequestError

from .generation import ImageRecord
from .quota import TIERS, Tier

DAY = 24 * 3600
_MAX_RESERVATIONS = 1000  # more than any day's images; bounds what a browser may send back
_IMAGE_ID = re.compile(r"[0-9a-f]{32}")


# The hub's documented daily ZeroGPU quotas, as a compare run's cost is told against them.
ANONYMOUS, FREE_ACCOUNT = TIERS[0], TIERS[1]


@dataclass(frozen=True)
class Reservation:
    image_id: str
    at: float  # seconds since the epoch
    seconds: int


@dataclass(frozen=True)
class Usage:
    """What this browser's calls reserved, and when a Space said it may try again."""

    reservations: tuple[Reservation, ...] = ()
    retry_at: float | None = None

    def with_images(self, records: Iterable[ImageRecord], now: float) -> Usage:
        """Count the images not counted yet (made within the day), once each."""
        counted = {r.image_id for r in self.reservations}
        new = [
            Reservation(record.id, record.created, seconds)
            for record in records
            if record.id not in counted
            and now - DAY < record.created <= now
            and (seconds := gpu_seconds(record.model))
        ]
        return self._kept(now, (*self.reservations, *new))

    def with_retry_at(self, retry_at: float | None, now: float) -> Usage:
        """The latest "try again at" a Space gave, while it lies ahead."""
        later = max((t for t in (self.retry_at, retry_at) if t is not None), default=None)
        return replace(self, retry_at=later if later is not None and later > now else None)

    def reserved(self, now: float) -> int:
        """GPU seconds reserved in the last 24 hours."""
        return sum(r.seconds for r in self.reservations if r.at > now - DAY)

    def wait(self, now: float) -> float | None:
        """Seconds until a Space said to try again, if that still lies ahead."""
        return self.retry_at - now if self.retry_at is not None and self.retry_at > now else None

    def _kept(self, now: float, reservations: Iterable[Reservation]) -> Usage:
        recent = sorted((r for r in reservations if r.at > now - DAY), key=lambda r: r.at)
        return replace(self, reservations=tuple(recent[-_MAX_RESERVATIONS:]))

    def saved(self) -> dict[str, Any]:
        """As the browser keeps it (JSON)."""
        return {
            "reserved": [[r.image_id, r.at, r.seconds] for r in self.reservations],
            "retry_at": self.retry_at,
        }

    @classmethod
    def restored(cls, value: Any, now: float) -> Usage:
        """What a browser sent back; anything malformed is dropped, not trusted."""
        value = value if isinstance(value, dict) else {}
        rows = value.get("reserved")
        reservations = [
            Reservation(row[0], float(row[1]), row[2])
            for row in (rows if isinstance(rows, list) else [])[-_MAX_RESERVATIONS:]
            if isinstance(row, list)
            and len(row) == 3
            and isinstance(row[0], str)
            and _IMAGE_ID.fullmatch(row[0])
            and _finite(row[1])
            and isinstance(row[2], int)
            and not isinstance(row[2], bool)
            and 0 < row[2] <= DAY
        ]
        retry_at = value.get("retry_at")
        usage = cls()._kept(now, reservations)
        return usage.with_retry_at(float(retry_at) if _finite(retry_at) else None, now)


def gpu_seconds(model: str) -> int:
    """The GPU seconds one call of this model's Space reserves (0 for a model now unknown)."""
    try:
        return providers.registry.get(model).spec.gpu_seconds
    except BadRequestError:
        return 0


def likely_tier(signed_in: bool) -> Tier:
    """The tier a visitor is likely on: signed in, at least a free account's."""
    return FREE_ACCOUNT if signed_in else ANONYMOUS


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
