"""Simultaneous users of the app's `/generate` endpoint, in a process of their own.

    python bench/users.py URL USERS    # a warm-up round, then (on a line from stdin) a
                                       # timed one; prints a JSON line after each
    python bench/users.py URL USERS ENDPOINT INPUTS_JSON   # another app's endpoint: the
                                       # benchmark sends the same crowd straight to the Space

Each user is a session, as a browser tab is: it joins Gradio's queue for `/generate` with
its own session hash, reads its event stream, and downloads the PNG. Sessions are kept
from the warm-up round, as a tab is kept open (Gradio builds each new session's state,
about 5 ms). All users share one asyncio loop and one connection pool: a person's browser
runs on their own machine, so the harness should take as little as it can of the cores the
app and the emulators run on. (64 gradio_client Clients, each with its own threads and
50 ms polls, cost more CPU than the app itself.)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid

import httpx

# /generate's inputs in order: prompt, negative prompt, model, aspect ratio, width, height,
# steps, guidance, seed, random seed.
INPUTS = ["bench", "", "flux-schnell", "1:1", 512, 512, 4, 3.5, 0, True]


async def make_image(http: httpx.AsyncClient, fn_index: int, inputs: list, session: str) -> None:
    joined = await http.post(
        "gradio_api/queue/join",
        json={"data": inputs, "fn_index": fn_index, "session_hash": session},
        # Each user is a visitor of its own, as on a Space (where the platform sets each
        # visitor's token): the app's per-visitor fair share must not hide what is measured.
        headers={"x-ip-token": f"bench-user-{session}"},
    )
    joined.raise_for_status()
    async with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as s:
        async for line in s.aiter_lines():
            message = json.loads(line.removeprefix("data:")) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed":
                if not message.get("success"):
                    raise RuntimeError(f"the app answered an error: {message}")
                image, _seed = message["output"]["data"]
                (await http.get(image["url"])).raise_for_status()
                return
    raise RuntimeError("the event stream ended without a result")


async def round_of(http: httpx.AsyncClient, fn_index: int, inputs: list, sessions: list) -> float:
    start = time.perf_counter()
    await asyncio.gather(*(make_image(http, fn_index, inputs, session) for session in sessions))
    return time.perf_counter() - start


async def main(url: str, users: int, endpoint: str, inputs: list) -> None:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        config = (await http.get("config")).raise_for_status().json()
        fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == endpoint)
        sessions = [uuid.uuid4().hex for _ in range(users)]
        await round_of(http, fn_index, inputs, sessions)  # warm-up: sessions, upstream Clients
        print(json.dumps({"warm": True}), flush=True)
        sys.stdin.readline()  # the caller's go: it measures around the timed round only
        wall = await round_of(http, fn_index, inputs, sessions)
        print(json.dumps({"users": users, "wall": wall}), flush=True)


if __name__ == "__main__":
    endpoint, inputs = "generate", INPUTS
    if len(sys.argv) > 3:
        endpoint, inputs = sys.argv[3], json.loads(sys.argv[4])
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), endpoint, inputs))
