"""Fetching an upstream's image file to local disk, and checking it is a sane image.

Upstreams are treated as untrusted: a file is only fetched from the Space that produced it,
its size is capped while it streams, and its header is read before anything is decoded, so a
decompression bomb is refused without being decoded.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image, UnidentifiedImageError, WebPImagePlugin  # noqa: F401

from .errors import MalformedOutputError, SpaceUnavailableError, UpstreamTimeoutError
from .tls import shared_context

MAX_IMAGE_BYTES = 32 * 1024 * 1024
MAX_IMAGE_SIDE = 4096  # the largest upstream makes 2048
IMAGE_FORMATS = {"WEBP": ".webp", "PNG": ".png", "JPEG": ".jpg"}
# Pillow loads format plugins on the first image a process opens: all ~50 of them for a
# WebP, which it does not preload. Those of IMAGE_FORMATS are loaded at import instead.
Image.preinit()


def default_download_dir() -> Path:
    return Path(
        os.environ.get("SPACE_CANVAS_DOWNLOADS")
        or Path(tempfile.gettempdir()) / "space-canvas" / "downloads"
    )


@dataclass(frozen=True)
class LocalImage:
    path: str
    url: str
    width: int
    height: int


class ImageFetcher:
    """Downloads upstream files over one pooled HTTP client shared by every call."""

    def __init__(self, download_dir: Path | None = None, timeout: httpx.Timeout | None = None):
        self.download_dir = Path(download_dir or default_download_dir())
        self._timeout = timeout or httpx.Timeout(30.0, connect=10.0)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        # Built on first use, then pooled: one client for every download.
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    verify=shared_context(),
                    timeout=self._timeout,
                    follow_redirects=False,
                    trust_env=False,
                )
            return self._client

    def fetch(
        self, url: str, *, allowed_origin: str, headers: dict[str, str], full_check: bool
    ) -> LocalImage:
        """Download `url` and check it. Blocking: call it from a worker thread.

        `full_check` decodes the whole image (for the final one, to catch truncation);
        previews only have their header read, which costs no decode.
        """
        if not _same_origin(url, allowed_origin):
            raise MalformedOutputError(f"the Space returned a file from elsewhere: {url}")
        self.download_dir.mkdir(parents=True, exist_ok=True)
        partial = self.download_dir / f"{uuid.uuid4().hex}.part"
        try:
            self._download(url, partial, headers)
            width, height, suffix = check_image(partial, full_check=full_check)
            final = partial.with_suffix(suffix)
            partial.rename(final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return LocalImage(path=str(final), url=url, width=width, height=height)

    def _download(self, url: str, target: Path, headers: dict[str, str]) -> None:
        try:
            try:
                self._download_once(url, target, headers)
            except httpx.RemoteProtocolError:
                if target.exists() and target.stat().st_size:
                    raise  # cut off mid-image: not a stale connection
                # A kept-alive connection that the server closed just as it was reused (a
                # server's idle timeout can match the pool's): once more, on a new one.
                self._download_once(url, target, headers)
        except httpx.TimeoutException as error:
            raise UpstreamTimeoutError("the Space took too long to send its image") from error
        except httpx.HTTPError as error:
            raise SpaceUnavailableError(f"the image download failed: {error}") from error

    def _download_once(self, url: str, target: Path, headers: dict[str, str]) -> None:
        received = 0
        with (
            self._http().stream("GET", url, headers=headers) as response,
            open(target, "wb") as out,
        ):
            if response.status_code != 200:
                raise SpaceUnavailableError(
                    f"the Space did not serve its image (HTTP {response.status_code})"
                )
            for chunk in response.iter_bytes(64 * 1024):
                received += len(chunk)
                if received > MAX_IMAGE_BYTES:
                    raise MalformedOutputError(
                        f"the Space's image is larger than {MAX_IMAGE_BYTES // 2**20} MiB"
                    )
                out.write(chunk)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def check_image(path: Path, *, full_check: bool) -> tuple[int, int, str]:
    """(width, height, suffix) of a sane image file, or MalformedOutputError."""
    with open_checked(path, decode=full_check) as image:
        return image.width, image.height, IMAGE_FORMATS[image.format]


@contextlib.contextmanager
def open_checked(path: str | Path, *, decode: bool) -> Iterator[Image.Image]:
    """The image file opened, its header checked and, with `decode`, its pixels decoded (to
    catch truncation); MalformedOutputError otherwise. For a caller that decodes the image
    anyway (to re-encode it), the one decode: errors of the caller's own block are its own."""
    try:
        image = Image.open(path)  # reads only the header: dimensions before any decode
    except Image.DecompressionBombError as error:
        # Raised by Image.open itself from the header, before any pixel is decoded.
        raise MalformedOutputError(
            "the Space returned an image far larger than any it makes; refused without decoding it"
        ) from error
    except UnidentifiedImageError as error:
        raise MalformedOutputError("the Space returned a file that is not an image") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise _broken(error) from error
    with image:
        width, height = image.size
        if image.format not in IMAGE_FORMATS:
            raise MalformedOutputError(f"the Space returned a {image.format} file")
        if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
            raise MalformedOutputError(
                f"the Space returned an image of {width}x{height} pixels, larger than any "
                "it makes; refused without decoding it"
            )
        if decode:
            try:
                image.load()
            except (OSError, SyntaxError, ValueError) as error:
                raise _broken(error) from error
        yield image


def _broken(error: Exception) -> MalformedOutputError:
    # Pillow reports truncated or corrupt data as OSError/SyntaxError.
    return MalformedOutputError(f"the Space returned a broken image ({error})")


def _same_origin(url: str, origin: str) -> bool:
    try:
        a, b = httpx.URL(url), httpx.URL(origin)
    except httpx.InvalidURL:
        return False
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)
