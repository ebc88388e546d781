"""The bench corpus of the other agents' homes, generated once per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents_factory import generate_corpus


@pytest.fixture(scope="session")
def agents_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """(corpus dir, expected.json) for Gemini, OpenCode, Amp, Qwen, Kimi and Droid."""
    out = tmp_path_factory.mktemp("agents-corpus")
    return out, generate_corpus(out)
