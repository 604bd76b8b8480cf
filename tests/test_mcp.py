"""The app as an MCP server, driven by the `mcp` package's own client, every Space emulated."""

from __future__ import annotations

import asyncio
import base64
import io
import json

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from PIL import Image

import providers
from providers import BlackForestLabs_Flux1Schnell, StabilityAI_SD35Large

from .app_server import AppProcess
from .helpers import emulator_for


def mcp_session(app_server, action):
    """Run `action(session)` in an initialized MCP session with the app; returns its result."""

    async def run():
        url = app_server.url + "gradio_api/mcp/"
        async with (
            streamable_http_client(url) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await action(session)

    return asyncio.run(asyncio.wait_for(run(), timeout=60))


@pytest.fixture
def tools(app_server):
    async def list_tools(session):
        return {tool.name: tool for tool in (await session.list_tools()).tools}

    return mcp_session(app_server, list_tools)


def call(app_server, name, arguments):
    async def call_tool(session):
        return await session.call_tool(name, arguments)

    return mcp_session(app_server, call_tool)


def test_the_tools_are_the_documented_endpoints_only(tools):
    # The page's own events (its stream, Stop, model change, Reuse...) are not tools.
    assert set(tools) == {"generate_image", "compare_images"}


def test_the_compare_tool_describes_its_limits_and_every_model(tools):
    tool = tools["compare_images"]
    assert "1 to 4 models" in tool.description
    for entry in providers.registry.entries():
        assert f"- {entry.name} ({entry.provider.display_name})" in tool.description
    parameters = tool.inputSchema["properties"]
    assert all(p.get("description") for p in parameters.values()), parameters
    assert "sd-3.5-large" in parameters["models"]["description"]


def test_the_tool_describes_every_model_its_ranges_and_its_errors(tools):
    tool = tools["generate_image"]
    for entry in providers.registry.entries():
        spec = entry.provider.spec
        line = next(
            line for line in tool.description.splitlines() if line.startswith(f"- {entry.name} ")
        )
        assert entry.provider.display_name in line
        assert f"steps {spec.steps.minimum:g} to {spec.steps.maximum:g}" in line
        if spec.guidance is not None:
            assert f"guidance {spec.guidance.minimum:g} to {spec.guidance.maximum:g}" in line
    assert "Please check your input" in tool.description  # what an error means
    assert "quota" in tool.description


def test_the_tool_requires_only_the_prompt_and_describes_each_parameter(tools):
    schema = tools["generate_image"].inputSchema
    assert schema["required"] == ["prompt"]
    parameters = schema["properties"]
    assert {
        "prompt",
        "model",
        "aspect_ratio",
        "num_inference_steps",
        "guidance_scale",
        "seed",
    } <= set(parameters)
    assert all(p.get("description") for p in parameters.values()), parameters
    assert "16:9" in parameters["aspect_ratio"]["description"]
    assert "sd-3.5-large" in parameters["model"]["description"]


def test_a_tool_call_returns_the_image_its_url_and_the_seed(app_server, fresh, emulators):
    result = call(
        app_server,
        "generate_image",
        {
            "prompt": "a lighthouse at dusk",
            "aspect_ratio": "16:9",
            "seed": 7,
            "randomize_seed": False,
        },
    )
    assert not result.isError, result.content
    images = [c for c in result.content if c.type == "image"]
    texts = [c.text for c in result.content if c.type == "text"]
    assert len(images) == 1, result.content
    assert images[0].mimeType == "image/png"
    job = emulator_for(emulators, BlackForestLabs_Flux1Schnell).controls.jobs[-1]
    with Image.open(io.BytesIO(base64.b64decode(images[0].data))) as image:
        assert image.size == (job.arguments["width"], job.arguments["height"]) == (1024, 576)
    url = next(t for t in texts if t.startswith("Image URL: ")).removeprefix("Image URL: ")
    assert url.startswith(app_server.url)
    response = httpx.get(url, timeout=10)
    with Image.open(io.BytesIO(response.content)) as png:
        assert png.format == "PNG" and png.size == (1024, 576)
    assert job.seed_used == 7
    assert "7" in texts


def test_a_bad_argument_is_a_tool_error_naming_it_before_any_upstream_call(
    app_server, fresh, emulators
):
    sd35 = emulator_for(emulators, StabilityAI_SD35Large).controls
    result = call(
        app_server,
        "generate_image",
        {"prompt": "a fox", "model": "sd-3.5-large", "guidance_scale": 14},
    )
    assert result.isError
    text = " ".join(c.text for c in result.content if c.type == "text")
    assert "guidance_scale must be between 0 and 7.5, not 14." in text
    assert sd35.jobs == []


def test_the_mcp_server_can_be_switched_off(space_urls, tmp_path):
    app = AppProcess(space_urls, tmp_path, SPACE_CANVAS_MCP="off")
    try:
        assert httpx.get(app.url + "gradio_api/mcp/", timeout=10).status_code == 404
        assert httpx.get(app.url + "gradio_api/info", timeout=10).status_code == 200
    finally:
        app.stop()


def test_the_compare_tool_returns_each_image_with_its_url_model_and_seed(
    app_server, fresh, emulators
):
    chosen = {"flux-schnell": BlackForestLabs_Flux1Schnell, "sd-3.5-large": StabilityAI_SD35Large}
    result = call(
        app_server,
        "compare_images",
        {
            "prompt": "a lighthouse at dusk",
            "models": list(chosen),
            "images_per_model": 2,
            "aspect_ratio": "16:9",
            "seed": 5,
            "randomize_seed": False,
        },
    )
    assert not result.isError, result.content
    content = result.content
    images = [i for i, c in enumerate(content) if c.type == "image"]
    assert len(images) == 4, content
    shown = []
    for i in images:
        url_text, caption = content[i + 1].text, content[i + 2].text
        url = url_text.removeprefix("Image URL: ")
        assert url_text.startswith("Image URL: ") and url.startswith(app_server.url)
        with Image.open(io.BytesIO(base64.b64decode(content[i].data))) as image:
            shown.append((caption, image.size))
        assert httpx.get(url, timeout=10).content[:8] == b"\x89PNG\r\n\x1a\n"
    expected = []
    for provider in chosen.values():
        jobs = emulator_for(emulators, provider).controls.jobs
        assert sorted(job.seed_used for job in jobs) == [5, 6]
        for job in sorted(jobs, key=lambda job: job.seed_used):
            size = (job.arguments["width"], job.arguments["height"])
            expected.append(
                (f"{provider.display_name} · seed {job.seed_used} · {size[0]}×{size[1]}", size)
            )
    assert shown == expected
    # Then, per image, its model by name, seed and size, as JSON.
    results = json.loads(content[-1].text)
    assert [(r["model"], r["seed"], r["error"]) for r in results] == [
        ("flux-schnell", 5, None), ("flux-schnell", 6, None),
        ("sd-3.5-large", 5, None), ("sd-3.5-large", 6, None),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"images_per_model": 9}, "images_per_model must be between 1 and 4, not 9."),
        ({"models": ["flux-schnell", "flux-ultra"]}, "'flux-ultra'"),
        ({"models": ["flux-schnell", "sd-3.5-large"], "guidance_scale": 14}, "guidance_scale"),
    ],
)
def test_a_bad_compare_argument_is_a_tool_error_naming_it_before_any_upstream_call(
    app_server, fresh, emulators, arguments, named
):
    result = call(
        app_server, "compare_images", {"prompt": "a fox", "models": ["flux-schnell"], **arguments}
    )
    assert result.isError, result.content
    text = " ".join(c.text for c in result.content if c.type == "text")
    assert named in text
    assert all(emulator.controls.jobs == [] for emulator in emulators.values())
