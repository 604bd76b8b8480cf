"""The upstream failures an emulator can play, with the wordings the notes record.

Messages and titles follow the ZeroGPU runtime (`spaces` package): it raises gr.Error, whose
message and title pass through to gradio_client's AppError even without show_error.
"""

from __future__ import annotations

import gradio as gr

TOKENS_URL = "https://huggingface.co/settings/tokens"
EXAMPLES_RETRY = "Try re-running outside of examples if it happened after clicking one"
# What `spaces` appends to quota messages for API callers without a Hugging Face login.
API_CALLER_SUFFIX = f"Authenticate with a Hugging Face token for more quota - {TOKENS_URL}"

QUOTA_TITLE = "ZeroGPU quota exceeded"
QUOTA_MESSAGE = (
    "You have exceeded your ZeroGPU quota (65s requested vs. 12s left). "
    f"Try again in 23:41:07. {API_CALLER_SUFFIX}"
)
# Older `spaces` releases: numbers the other way round, "retry in", plain gr.Error title.
QUOTA_OLD_MESSAGE = (
    "You have exceeded your GPU quota (46s left vs. 60s requested). "
    "Sign-up on Hugging Face to get more quotas or retry in 0:09:48."
)
QUOTA_HTML_MESSAGE = (
    "You have exceeded your GPU quota (60s requested vs. 0s left). Try again in 1:02:03. "
    '<a href="https://huggingface.co/join">Create a free account</a> to get more usage quota.'
)
RUNS_LIMIT_MESSAGE = f"You have exceeded your ZeroGPU runs limit. {API_CALLER_SUFFIX}"
GPU_LIMIT_MESSAGE = f"Space app has reached its GPU limit. {EXAMPLES_RETRY}"
NO_GPU = "No GPU was available after 60s"
GPU_ABORTED_MESSAGE = "GPU task aborted"
CUDA_CRASH_MESSAGE = "CUDA error: an illegal memory access was encountered"
GENERIC_ERROR_MESSAGE = "emulated pipeline failure (not a gr.Error)"

FAULTS: dict[str, str] = {
    "quota": f'AppError titled "{QUOTA_TITLE}": current ZeroGPU quota wording + API suffix',
    "quota_old": 'AppError titled "Error": older "GPU quota (46s left vs. 60s requested)" wording',
    "quota_html": "AppError: quota message ending in an HTML <a>Create a free account</a> tail",
    "runs_limit": 'AppError: "You have exceeded your ZeroGPU runs limit."',
    "gpu_limit": 'AppError: "Space app has reached its GPU limit." (no visitor token reached it)',
    "no_gpu": 'AppError after the "Waiting for a GPU" log: "No GPU was available after 60s"',
    "gpu_aborted": 'AppError after the GPU was acquired: "GPU task aborted"',
    "generic_error": "plain exception: the client gets the generic 'verbose error' AppError",
    "sleeping": "HTTP 503 to every request, config included; one count per refused request",
    "queue_503": "HTTP 503 at POST .../queue/join only (gradio_client: QueueError)",
    "stall": "job starts, sends nothing until Controls.release() or cancellation",
    "crash_mid_stream": "two previews (streaming kinds) then a CUDA gr.Error",
    "not_image": "output file image.webp holds an HTML page, not an image",
    "truncated_image": "output image.png cut off halfway (header and size still readable)",
    "huge_image": "output is a ~1 KB PNG declaring 40000x40000 pixels (decompression bomb)",
    "wrong_size": "output is a valid webp of half the requested width",
}

HTTP_FAULTS = frozenset({"sleeping", "queue_503"})
# Raised while scheduling, before any GPU log line (as ZeroGPU's schedule() does).
SCHEDULE_FAULTS = frozenset({"quota", "quota_old", "quota_html", "runs_limit", "gpu_limit"})
OUTPUT_FAULTS = frozenset({"not_image", "truncated_image", "huge_image", "wrong_size"})


def check_name(fault: str) -> None:
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")


def schedule_error(fault: str) -> gr.Error:
    errors = {
        "quota": gr.Error(QUOTA_MESSAGE, title=QUOTA_TITLE),
        "quota_old": gr.Error(QUOTA_OLD_MESSAGE),
        "quota_html": gr.Error(QUOTA_HTML_MESSAGE, title=QUOTA_TITLE),
        "runs_limit": gr.Error(RUNS_LIMIT_MESSAGE, title=QUOTA_TITLE),
        "gpu_limit": gr.Error(GPU_LIMIT_MESSAGE, title=QUOTA_TITLE),
    }
    return errors[fault]


def no_gpu_error(has_visitor_token: bool) -> gr.Error:
    # ZeroGPU words a queue timeout differently when no visitor token reached the Space:
    # then it even carries the quota title, although no quota ran out.
    if has_visitor_token:
        return gr.Error(f"{NO_GPU}. Retry later", title="ZeroGPU queue timeout")
    return gr.Error(f"{NO_GPU}. {EXAMPLES_RETRY}", title=QUOTA_TITLE)


def gpu_aborted_error() -> gr.Error:
    return gr.Error(GPU_ABORTED_MESSAGE, title="ZeroGPU worker error")


def cuda_crash_error() -> gr.Error:
    return gr.Error(CUDA_CRASH_MESSAGE)


def generic_error() -> Exception:
    return RuntimeError(GENERIC_ERROR_MESSAGE)
