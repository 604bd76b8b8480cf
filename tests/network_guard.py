"""Run a script with every non-loopback connection refused and reported on stderr.

    python tests/network_guard.py app.py

The machines here have no internet, so a stray call would fail quietly or hang; this makes
one visible: tests look for the NETWORK-GUARD line.
"""

from __future__ import annotations

import ipaddress
import os
import runpy
import socket
import sys

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _is_loopback(address) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # unix sockets


def _check(address) -> None:
    if not _is_loopback(address):
        print(f"NETWORK-GUARD: refused a connection to {address!r}", file=sys.stderr, flush=True)
        raise ConnectionRefusedError(f"network guard: {address!r} is not loopback")


def _guarded_connect(self, address):
    _check(address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    _check(address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost") and not _is_loopback((host,)):
        print(f"NETWORK-GUARD: refused a name lookup of {host!r}", file=sys.stderr, flush=True)
        raise socket.gaierror(f"network guard: no lookups of {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


_getaddrinfo = socket.getaddrinfo
socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo

if __name__ == "__main__":
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python script.py` has it
    runpy.run_path(script, run_name="__main__")
