"""HTTP routes Gradio opens that a public Space Canvas does not need, closed before Gradio.

- Uploads (`/gradio_api/upload`): the page has no upload control, yet Gradio accepts files
  from anyone into its cache and serves them; here every upload is refused.
- `/pwa_icon/{size}`: Gradio resizes the favicon to any size on the event loop (seconds and
  memory growing with size² for a large one); the icon is served only as it is.
- A raw REST call (`/gradio_api/call/<endpoint>`) with the wrong number of values: Gradio
  would fail it later with an empty `{"error": null}`; here it is told what is expected.

A pure ASGI middleware: a BaseHTTPMiddleware would buffer Gradio's event streams.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

_JSON = [(b"content-type", b"application/json")]
MAX_CHECKED_BODY = 8 * 1024 * 1024  # bytes of a REST call read to count its values


class HttpGuard:
    """`parameters`: endpoint name (as in `/gradio_api/call/<name>`) -> its parameter names."""

    def __init__(self, app, parameters: Mapping[str, Sequence[str]] | None = None) -> None:
        self.app = app
        self.parameters = dict(parameters or {})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"].rstrip("/")
        method = scope["method"]
        if method == "POST" and path.endswith("/gradio_api/upload"):
            await _answer(send, 403, {"error": "This app takes no uploads."})
            return
        if path.startswith("/pwa_icon/"):
            # The icon itself is at /pwa_icon and /favicon.ico; no resized copies.
            await _answer(send, 404, {"error": "Not found."})
            return
        endpoint = path.rpartition("/gradio_api/call/")[2] if "/gradio_api/call/" in path else ""
        if method == "POST" and endpoint in self.parameters:
            await self._check_arity(endpoint, scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check_arity(self, endpoint: str, scope, receive, send) -> None:
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_CHECKED_BODY:
                await _answer(send, 413, {"error": "The request is too large."})
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        names = self.parameters[endpoint]
        problem = _arity_problem(body, endpoint, names)
        if problem is not None:
            await _answer(send, 422, {"error": problem})
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _arity_problem(body: bytes, endpoint: str, names: Sequence[str]) -> str | None:
    try:
        values = json.loads(body).get("data")
    except (ValueError, AttributeError):
        return None  # not a JSON object: Gradio answers that itself
    if not isinstance(values, list) or len(values) == len(names):
        return None
    return (
        f"/{endpoint} takes {len(names)} values in this order: {', '.join(names)}; "
        f"got {len(values)}. Send null for a value to take its default."
    )


async def _answer(send, status: int, content: dict) -> None:
    body = json.dumps(content).encode()
    await send({"type": "http.response.start", "status": status, "headers": _JSON})
    await send({"type": "http.response.body", "body": body})
