"""Emulator Spaces: real Gradio servers on 127.0.0.1 that reproduce the upstream Spaces' APIs.

with start_emulator("flux-dev") as space:
    client = Client(space.url)
    space.controls.inject("quota")
"""

from .contracts import DRIFTS, SPACE_KINDS
from .controls import Controls, JobRecord
from .faults import FAULTS
from .server import RunningEmulator, start_emulator
from .silent import SilentSpace

__all__ = [
    "DRIFTS",
    "FAULTS",
    "SPACE_KINDS",
    "Controls",
    "JobRecord",
    "RunningEmulator",
    "SilentSpace",
    "start_emulator",
]
