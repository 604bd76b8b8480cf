"""Gradio's frontend files (`/assets/...`), served from memory, compressed once, cached for good.

A first visit asks for about a hundred of these JS and CSS files. Gradio serves each through
FastAPI's routing, a worker thread for the file and its Brotli middleware, which compresses
the file again on every request: about 3 ms of the app's one event loop per file, 0.3 s per
first visit, in the same process that relays everyone's generations. Here each file is read
and compressed on its first request and then answered from memory by this middleware, before
Gradio's stack.

Every name under `/assets/` carries a hash of its content (Vite's build), so a browser may
keep it for good (`immutable`): a returning visitor asks for none of them again.

A pure ASGI middleware, like `canvas.http_guard`; anything it does not know (another path, a
name not in Gradio's build, a range request) goes on to Gradio unchanged.
"""

from __future__ import annotations

import gzip
import mimetypes
from pathlib import Path

import brotli
import gradio

BUILD = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
PREFIX = "/assets/"
COMPRESSIBLE = {".js", ".mjs", ".css", ".json", ".svg", ".map", ".txt", ".html"}
FOR_GOOD = b"public, max-age=31536000, immutable"


class FrontendFiles:
    def __init__(self, app, build: Path = BUILD) -> None:
        self.app = app
        self.build = build
        # Only names that are in the build are served: no path from a request reaches the disk.
        self.names = {path.name for path in build.iterdir() if path.is_file()}
        self.encoded: dict[tuple[str, str], bytes] = {}

    async def __call__(self, scope, receive, send) -> None:
        name = self._name(scope)
        if name is None:
            await self.app(scope, receive, send)
            return
        encoding = self._encoding(name, _header(scope, b"accept-encoding"))
        body = self._body(name, encoding)
        headers = [
            (b"content-type", _content_type(name)),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", FOR_GOOD),
            (b"vary", b"Accept-Encoding"),
        ]
        if encoding:
            headers.append((b"content-encoding", encoding.encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if scope["method"] == "HEAD":
            body = b""
        await send({"type": "http.response.body", "body": body})

    def _name(self, scope) -> str | None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if not path.startswith(PREFIX) or _header(scope, b"range"):
            return None
        name = path[len(PREFIX) :]
        return name if name in self.names else None

    @staticmethod
    def _encoding(name: str, accepted: str) -> str:
        if Path(name).suffix not in COMPRESSIBLE:
            return ""  # fonts and images are compressed already
        offered = {part.split(";")[0].strip() for part in accepted.lower().split(",")}
        return "br" if "br" in offered else "gzip" if "gzip" in offered else ""

    def _body(self, name: str, encoding: str) -> bytes:
        key = (name, encoding)
        body = self.encoded.get(key)
        if body is None:
            raw = (self.build / name).read_bytes()
            if encoding == "br":
                body = brotli.compress(raw, mode=brotli.MODE_TEXT, quality=5)
            elif encoding == "gzip":
                body = gzip.compress(raw, compresslevel=6)
            else:
                body = raw
            self.encoded[key] = body
        return body


def _header(scope, wanted: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == wanted:
            return value.decode("latin-1")
    return ""


# A module script must come with a JavaScript type; the system's MIME table may not know .mjs.
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}


def _content_type(name: str) -> bytes:
    suffix = Path(name).suffix
    kind = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return kind.encode()
