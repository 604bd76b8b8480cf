"""What agents read about the API: each documented endpoint's description and its parameters.

Gradio serves every documented endpoint as an MCP tool: the event's `api_description` becomes
the tool's description, and the handler's docstring (`Args:` lines) its parameters'. Both are
built here from the registry and the declarations, so a new model or range shows by itself.
"""

from __future__ import annotations

import json

from canvas import models
from providers import ASPECT_RATIOS, MAX_PROMPT_CHARS, MAX_SEED, Range


def _number(value: float) -> str:
    return f"{value:g}"


def _range(r: Range) -> str:
    return f"{_number(r.minimum)} to {_number(r.maximum)}, default {_number(r.default)}"


def model_lines() -> list[str]:
    """One line per model: its name, label, steps and guidance ranges, what it is for."""
    lines = []
    for c in models.all_controls():
        guidance = f"guidance {_range(c.guidance)}" if c.guidance else "no guidance"
        negative = "" if c.takes_negative_prompt else ", no negative prompt"
        lines.append(
            f"- {c.name} ({c.label}): steps {_range(c.steps)}; {guidance}{negative}. "
            f"{c.description}"
        )
    return lines


ERRORS = (
    "Errors: a message starting 'Please check your input' names the argument that is wrong "
    "and the range it must be in (fix it and call again; nothing was sent to a Space). "
    "'The Space could not make this image' means the upstream Space failed: its GPU quota "
    "is used up (wait the time it gives, or pick another model), it is asleep, busy or down "
    "(try again in a few minutes, or another model), or it took too long."
)


def generate_description() -> str:
    return "\n".join(
        [
            "Make one image from a text prompt with a free image-generation Space on Hugging "
            "Face. Only `prompt` is required; every other argument left out takes the chosen "
            "model's own default. Returns the PNG (as an image and its URL; the PNG carries "
            "its settings) and the seed used, which reproduces the image with "
            "randomize_seed=false.",
            f"Models (`model`, default {models.default_model()}):",
            *model_lines(),
            ERRORS,
        ]
    )


def generate_parameters() -> str:
    """The `Args:` section of the tool's docstring: one line per parameter."""
    names = ", ".join(c.name for c in models.all_controls())
    return "\n".join(
        [
            "Args:",
            f"    prompt: What the image shows, in words (up to {MAX_PROMPT_CHARS} characters).",
            "    negative_prompt: What to leave out of the image; only for models that take "
            "one (see the list), ignored otherwise.",
            f"    model: The model's name, one of {names}.",
            f"    aspect_ratio: Width to height, one of {', '.join(ASPECT_RATIOS)}; default 1:1.",
            "    width: Width in pixels; 0 or left out: from aspect_ratio. Snapped to the "
            "model's step and bounds.",
            "    height: Height in pixels; 0 or left out: from aspect_ratio. Snapped like width.",
            "    num_inference_steps: Denoising steps, within the model's range (see the list); "
            "more is slower and more detailed.",
            "    guidance_scale: How closely to follow the prompt, within the model's range; "
            "ignored by models without guidance.",
            f"    seed: 0 to {MAX_SEED}; used only when randomize_seed is false.",
            "    randomize_seed: true (default): a new random seed; false: use `seed`.",
        ]
    )


def compare_description(max_models: int, max_images: int) -> str:
    return "\n".join(
        [
            f"Make images of one prompt on 1 to {max_models} models at once, 1 to "
            f"{max_images} images each, to compare them side by side (one model with several "
            "images: variations with consecutive seeds). Returns each image (as an image and "
            "its URL; the PNG carries its settings) followed by its caption: model, seed and "
            "size; then, as JSON, per image in order, its model, seed, size and seconds, or "
            "the error that model met (the others still come back). Steps and guidance left "
            "out take each model's own default. (The REST API gives the same as a gallery "
            "of captioned images and the JSON.)",
            "Models (`models`, a list of names):",
            *model_lines(),
            ERRORS,
        ]
    )


def compare_parameters(max_models: int, max_images: int) -> str:
    names = ", ".join(c.name for c in models.all_controls())
    lines = generate_parameters().splitlines()
    shared = [line for line in lines if not line.lstrip().startswith(("model:", "Args:"))]
    return "\n".join(
        [
            "Args:",
            f"    models: 1 to {max_models} model names, from {names}.",
            f"    images_per_model: 1 to {max_images} images for each model.",
            *shared,
        ]
    )


def document(handler, *, name: str, parameters: str):
    """Give a handler the name and docstring an MCP tool is built from; returns it."""
    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = f"{(handler.__doc__ or '').strip()}\n\n{parameters}"
    return handler


def tool_contents(outputs: list) -> list:
    """A call's outputs as the MCP server should turn them into content, in order: each image
    of a gallery followed by its caption (the server then gives an image its data and URL),
    lists and dicts as JSON, anything else as it is."""
    from gradio_client.utils import is_file_obj_with_meta

    contents = []
    for output in outputs:
        gallery = isinstance(output, list) and all(
            isinstance(item, dict) and is_file_obj_with_meta(item.get("image")) for item in output
        )
        if gallery and output:
            for item in output:
                contents += [item["image"], *([item["caption"]] if item.get("caption") else [])]
        elif isinstance(output, list | dict) and not is_file_obj_with_meta(output):
            contents.append(json.dumps(output, ensure_ascii=False))
        else:
            contents.append(output)
    return contents


def return_every_output() -> None:
    """Make Gradio's MCP server return each output of a tool with several (the image and its
    seed), and each image of a gallery as an image. Gradio 6.31 wraps a call's result as one
    output unless the client asked for progress, so without this the image comes back as the
    text of a list; and it gives a gallery as the text of its items. gradio_client gives a
    several-output result as a tuple and a one-output result as the value itself (never a
    tuple: it comes from JSON)."""
    from anyio.to_thread import run_sync
    from gradio.mcp import GradioMCPServer

    async def execute_tool_without_progress(self, job) -> list:
        result = await run_sync(job.result)
        return list(result) if isinstance(result, tuple) else [result]

    postprocess = GradioMCPServer.postprocess_output_data

    def postprocess_output_data(self, data, root_url: str) -> list:
        return postprocess(self, tool_contents(data), root_url)

    GradioMCPServer._execute_tool_without_progress = execute_tool_without_progress
    GradioMCPServer.postprocess_output_data = postprocess_output_data
