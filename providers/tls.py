"""One TLS context for every connection the providers make.

httpx builds a new SSL context for each client it makes (about 55 ms, loading the CA
bundle), and gradio_client makes one per queue join, stream and download. A prebuilt context
passed as `verify` costs nothing and verifies exactly the same (certifi's CA bundle). It is
built at import, so no visitor's first call waits for it (as aiohttp builds its own).
"""

from __future__ import annotations

import functools
import ssl

import certifi


@functools.cache
def shared_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


shared_context()
