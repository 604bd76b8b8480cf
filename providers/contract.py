"""The live contract: a Space's declaration checked against what its API says now.

Building a gradio_client Client fetches the Space's config and API info; from those alone,
with no request of its own, `live_spec` compares the declaration with the live endpoint.
Live slider bounds and defaults win over the declared ones. A declared input that is gone,
a new input the Space requires, or a renamed endpoint is the Space having changed: a
`SpaceChangedError`, before anything is sent. `LiveContracts` keeps the last reading per
Space, so the page can show a changed model and later jobs fall back without a call.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

from gradio_client.utils import SKIP_COMPONENTS

from .errors import SpaceChangedError
from .spec import Range, RatioSizes, SizeRule, SpaceSpec


def live_spec(spec: SpaceSpec, config: Mapping[str, Any], api_info: Mapping[str, Any]) -> SpaceSpec:
    """The declaration with the live Space's bounds and defaults, or SpaceChangedError."""
    endpoints = api_info.get("named_endpoints") or {}
    endpoint = endpoints.get(spec.api_name)
    if endpoint is None:
        offered = ", ".join(endpoints) or "none"
        raise SpaceChangedError(
            f"the Space has changed: it no longer has the endpoint {spec.api_name} "
            f"(it offers {offered})"
        )
    live = [p.get("parameter_name") for p in endpoint.get("parameters", [])]
    gone = [n for n in spec.parameters if n not in live and n not in spec.unconfirmed]
    required = [
        p.get("parameter_name") or p.get("label") or "?"
        for p in endpoint.get("parameters", [])
        if not p.get("parameter_has_default") and p.get("parameter_name") not in spec.parameters
    ]
    if gone or required:
        what = [f"no longer takes {', '.join(gone)}"] if gone else []
        what += [f"now requires {', '.join(map(str, required))}"] if required else []
        raise SpaceChangedError(
            f"the Space has changed: {spec.api_name} {' and '.join(what)} "
            f"(its inputs now: {', '.join(map(str, live))})"
        )
    props = _input_props(config, spec.api_name, live)
    parameters = tuple(name for name in live if name in spec.parameters)  # the live order
    guidance = spec.guidance if "guidance_scale" in parameters else None
    return dataclasses.replace(
        spec,
        parameters=parameters,
        size=_live_size(spec.size, props),
        steps=_live_range(spec.steps, props.get("num_inference_steps")),
        guidance=guidance and _live_range(guidance, props.get("guidance_scale")),
        unconfirmed=frozenset(),  # confirmed or dropped, by the live API
    )


def _input_props(config: Mapping[str, Any], api_name: str, names: list) -> dict[str, dict]:
    """Each input's component properties (bounds, choices, default), by parameter name.

    The API info lists the inputs that are not skipped (State and the like), in the order of
    the dependency's inputs: the same rule gradio_client applies.
    """
    dependency = next(
        (d for d in config.get("dependencies", []) if f"/{d.get('api_name')}" == api_name), None
    )
    components = {c.get("id"): c for c in config.get("components", [])}
    if dependency is None:
        return {}
    inputs = [components.get(i) or {} for i in dependency.get("inputs", [])]
    shown = [c for c in inputs if not c.get("skip_api", c.get("type") in SKIP_COMPONENTS)]
    if len(shown) != len(names):
        return {}  # a config we cannot line up: keep the declared facts
    return {name: c.get("props") or {} for name, c in zip(names, shown, strict=True)}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value


def _live_range(declared: Range, props: Mapping[str, Any] | None) -> Range:
    if not props:
        return declared
    low, high = _number(props.get("minimum")), _number(props.get("maximum"))
    if low is None or high is None or low > high:
        return declared
    step = _number(props.get("step")) or declared.step
    default = _number(props.get("value"))
    if default is None or not low <= default <= high:
        default = min(max(declared.default, low), high)
    return Range(low, high, step, default)


def _live_size(declared: SizeRule | RatioSizes, props: dict[str, dict]) -> SizeRule | RatioSizes:
    if isinstance(declared, RatioSizes):
        return _live_ratios(declared, props.get(declared.input))
    width = _live_range(
        Range(declared.minimum, declared.maximum, declared.step, declared.default),
        props.get("width"),
    )
    height = _live_range(
        Range(declared.minimum, declared.maximum, declared.step, declared.default),
        props.get("height"),
    )
    # The declared step also carries what the pipeline needs (SD 3.5: multiples of 16); a
    # live slider step is kept too: both are met by their least common multiple.
    live_step = max(width.step, height.step)
    step = (
        math.lcm(declared.step, int(live_step)) if float(live_step).is_integer() else declared.step
    )
    low = math.ceil(max(width.minimum, height.minimum) / step) * step
    high = math.floor(min(width.maximum, height.maximum) / step) * step
    if low > high:
        return declared
    default = min(max(round(width.default / step) * step, low), high)
    return SizeRule(minimum=int(low), maximum=int(high), step=step, default=int(default))


def _live_ratios(declared: RatioSizes, props: Mapping[str, Any] | None) -> RatioSizes:
    if not props or not isinstance(props.get("choices"), list):
        return declared
    offered = [_choice_value(choice) for choice in props["choices"]]
    sizes = {ratio: size for ratio, size in declared.sizes.items() if ratio in offered}
    if not sizes:
        raise SpaceChangedError(
            f"the Space has changed: its {declared.input} choices are now "
            f"{', '.join(map(str, offered))}, none of those it had"
        )
    default = props.get("value") if props.get("value") in sizes else next(iter(sizes))
    return dataclasses.replace(declared, sizes=sizes, default=default)


def _choice_value(choice: Any) -> Any:
    """Gradio sends a Radio's choices as [label, value] pairs."""
    return choice[1] if isinstance(choice, list | tuple) and len(choice) == 2 else choice


class LiveContracts:
    """The last reading of each Space's API, by address. Thread-safe.

    A reading belongs to the Client it came from (a new Client reads the Space anew). A Space
    found changed is not called again for `recheck_seconds`: its jobs fail at once with the
    reason, so fallback takes over without each visitor waiting on a doomed call.
    """

    def __init__(self, recheck_seconds: float = 600.0) -> None:
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._by_client: weakref.WeakKeyDictionary[Any, SpaceSpec | str] = (
            weakref.WeakKeyDictionary()
        )
        self._by_url: dict[str, tuple[float, SpaceSpec | str]] = {}

    def read(self, url: str, declared: SpaceSpec, client: Any) -> SpaceSpec:
        """The live spec from a Client's fetched config and API info; SpaceChangedError."""
        with self._lock:
            reading = self._by_client.get(client)
        if reading is None:
            try:
                info = client.view_api(return_format="dict", print_info=False)
                reading = live_spec(declared, client.config, info)
            except SpaceChangedError as error:
                reading = error.message
            with self._lock:
                self._by_client[client] = reading
                self._by_url[url] = (time.monotonic(), reading)
        if isinstance(reading, str):
            raise SpaceChangedError(reading)
        return reading

    def spec_of(self, url: str, declared: SpaceSpec) -> SpaceSpec:
        """The live spec if the Space was read and matched; the declared facts otherwise."""
        with self._lock:
            _, reading = self._by_url.get(url, (0.0, declared))
        return reading if isinstance(reading, SpaceSpec) else declared

    def changed(self, url: str) -> str | None:
        """How the Space changed, if its last reading (recent enough) says it did."""
        with self._lock:
            read_at, reading = self._by_url.get(url, (0.0, None))
        if isinstance(reading, str) and time.monotonic() - read_at < self.recheck_seconds:
            return reading
        return None

    def forget(self, url: str) -> None:
        with self._lock:
            self._by_url.pop(url, None)
