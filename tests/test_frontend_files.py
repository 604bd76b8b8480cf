"""Gradio's frontend files, as the app serves them (`canvas.frontend_files`): the same bytes as
Gradio's build, compressed once, kept by the browser for good; anything else left to Gradio."""

from __future__ import annotations

import gzip
import re

import brotli
import httpx
import pytest

from canvas.frontend_files import BUILD


@pytest.fixture(scope="module")
def http():
    # No automatic decoding: the test reads what went over the wire.
    with httpx.Client(timeout=60, headers={"accept-encoding": "identity"}) as client:
        yield client


@pytest.fixture(scope="module")
def page_files(app_server, http) -> list[str]:
    """The JS and CSS files the page's HTML names first (Gradio's frontend entry points)."""
    html = http.get(app_server.url).text
    names = sorted(set(re.findall(r"assets/([\w.-]+\.(?:js|css))", html)))
    assert names, "the page names no frontend files"
    return names


def get(http, url, encoding) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent (httpx would decode `.content`)."""
    with http.stream("GET", url, headers={"accept-encoding": encoding}) as answer:
        return answer, b"".join(answer.iter_raw())


@pytest.mark.parametrize(
    "encoding, decode",
    [("br", brotli.decompress), ("gzip", gzip.decompress), ("identity", lambda body: body)],
)
def test_each_file_is_gradios_own_in_the_encoding_the_browser_takes(
    app_server, http, page_files, encoding, decode
):
    for name in page_files:
        answer, sent = get(http, f"{app_server.url}assets/{name}", encoding)
        assert answer.status_code == 200, name
        assert answer.headers.get("content-encoding", "identity") == encoding, name
        assert decode(sent) == (BUILD / name).read_bytes(), name
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        assert answer.headers["content-type"].startswith(kind), name


def test_files_are_cached_for_good_and_asked_for_again_the_same(app_server, http, page_files):
    name = page_files[0]
    first, first_sent = get(http, f"{app_server.url}assets/{name}", "br")
    _, second_sent = get(http, f"{app_server.url}assets/{name}", "br")
    assert "immutable" in first.headers["cache-control"]
    assert "max-age=31536000" in first.headers["cache-control"]
    assert first.headers["vary"] == "Accept-Encoding"
    assert second_sent == first_sent


def test_a_head_request_has_the_headers_and_no_body(app_server, http, page_files):
    name = page_files[0]
    answer = http.head(f"{app_server.url}assets/{name}", headers={"accept-encoding": "br"})
    full, sent = get(http, f"{app_server.url}assets/{name}", "br")
    assert answer.status_code == 200 and answer.content == b""
    assert answer.headers["content-length"] == full.headers["content-length"] == str(len(sent))


def test_fonts_go_uncompressed(app_server, http):
    font = next(path.name for path in BUILD.iterdir() if path.suffix == ".woff2")
    answer, sent = get(http, f"{app_server.url}assets/{font}", "br, gzip")
    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
    assert sent == (BUILD / font).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "assets/no-such-file-Abc12345.js",  # not in the build
        "assets/..%2Findex.html",  # a way out of the folder
        "assets/../index.html",
    ],
)
def test_names_not_in_gradios_build_are_not_served_from_it(app_server, http, path):
    answer = http.get(f"{app_server.url}{path}")
    assert "immutable" not in answer.headers.get("cache-control", "")
    assert answer.status_code in (403, 404)


def test_a_range_request_is_left_to_gradio(app_server, http, page_files):
    name = page_files[0]
    answer = http.get(f"{app_server.url}assets/{name}", headers={"range": "bytes=0-9"})
    assert answer.status_code == 206
    assert answer.content == (BUILD / name).read_bytes()[:10]
