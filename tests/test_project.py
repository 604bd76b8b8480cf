"""The project's own files agree with each other."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the project runs on 3.10 too

ROOT = Path(__file__).resolve().parent.parent


def test_the_space_installs_what_pyproject_declares():
    # A Hugging Face Space installs requirements.txt; `pip install -e .` reads pyproject.
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    listed = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(listed) == sorted(declared)
