"""The registry: every provider under one unique name, found by name, alias or class name.

Names and aliases are unique across providers: a second claim fails at import time, instead
of one provider silently shadowing another. Providers serving the same model share a family,
which is what fallback uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .base import SpaceProvider
from .errors import ModelNotFoundError


@dataclass(frozen=True)
class Entry:
    name: str
    provider: type[SpaceProvider]


class Registry:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._lookup: dict[str, Entry] = {}

    def register(
        self, name: str, provider: type[SpaceProvider], aliases: tuple[str, ...] = ()
    ) -> None:
        entry = Entry(name, provider)
        keys = {
            name,
            provider.__name__,
            provider.default_model,
            *provider.model_spellings,
            *aliases,
        }
        for key in keys:
            taken = self._lookup.get(key.lower())
            if taken is not None:
                raise ValueError(
                    f"{key!r} is claimed by both {taken.provider.__name__} and {provider.__name__}"
                )
        self._entries[name] = entry
        for key in keys:
            self._lookup[key.lower()] = entry

    def get(self, name: str | None) -> type[SpaceProvider]:
        """The provider for a name, alias or class name; the default for an empty name or
        "auto" (gpt4free's word for it)."""
        if not name or str(name).strip().lower() == "auto":
            return next(iter(self._entries.values())).provider
        entry = self._lookup.get(str(name).strip().lower())
        if entry is None:
            raise ModelNotFoundError(str(name), list(self._entries))
        return entry.provider

    def name_of(self, provider: type[SpaceProvider]) -> str:
        return next(e.name for e in self._entries.values() if e.provider is provider)

    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def providers(self) -> list[type[SpaceProvider]]:
        return [entry.provider for entry in self._entries.values()]

    def alternatives(self, provider: type[SpaceProvider]) -> list[type[SpaceProvider]]:
        """Other providers of the same model family, in registration order."""
        return [p for p in self.providers() if p is not provider and p.family == provider.family]

    def apply_space_urls(self, setting: str | None) -> None:
        """Point providers at other addresses: "ClassName=URL,ClassName=URL".

        For operators (a mirror, a duplicated Space) and for tests (emulators).
        """
        if not setting:
            return
        by_class = {p.__name__: p for p in self.providers()}
        for item in filter(None, (part.strip() for part in setting.split(","))):
            class_name, separator, url = item.partition("=")
            provider = by_class.get(class_name.strip())
            if (
                not separator
                or provider is None
                or not url.strip().startswith(("http://", "https://"))
            ):
                raise ValueError(
                    f"SPACE_URLS entry {item!r} is not ClassName=http(s)://address; "
                    f"class names: {', '.join(by_class)}"
                )
            new_url = url.strip().rstrip("/")
            if provider.api_endpoint.startswith(provider.url):  # absolute: move it along
                provider.api_endpoint = new_url + provider.api_endpoint[len(provider.url) :]
            provider.url = new_url


def space_urls_from_environment(registry: Registry) -> None:
    registry.apply_space_urls(os.environ.get("SPACE_URLS"))
