"""What a run costs a visitor of their ZeroGPU quota, from the Spaces' declarations.

Each call reserves a declared number of GPU seconds from the visitor's daily quota, whatever
the image then takes; the tiers are the hub's documented daily quotas (shared notes, 2026).
A fallback to another Space of the same model reserves that Space's seconds instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import providers


@dataclass(frozen=True)
class Tier:
    name: str
    daily_seconds: int


TIERS = (
    Tier("without an account", 2 * 60),
    Tier("with a free account", 5 * 60),
    Tier("with PRO or Team", 40 * 60),
    Tier("with Enterprise", 60 * 60),
)


@dataclass(frozen=True)
class ModelCost:
    label: str
    images: int
    seconds_per_image: int

    @property
    def seconds(self) -> int:
        return self.images * self.seconds_per_image


@dataclass(frozen=True)
class Cost:
    models: tuple[ModelCost, ...]

    @property
    def seconds(self) -> int:
        return sum(m.seconds for m in self.models)

    def fits(self) -> list[Tier]:
        """The tiers whose whole day's quota covers this run."""
        return [tier for tier in TIERS if self.seconds <= tier.daily_seconds]


def cost(models: list[str], images_per_model: int) -> Cost:
    """The GPU seconds the chosen models' Spaces reserve for this many images each."""
    chosen = [providers.registry.get(name) for name in models]
    return Cost(
        tuple(ModelCost(p.display_name, images_per_model, p.spec.gpu_seconds) for p in chosen)
    )
