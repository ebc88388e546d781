"""Shell completion (Typer's --install-completion / --show-completion): the scripts for
bash, zsh and fish, and the answers they get from `aiusage` itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent  # the venv's bin, holding the `aiusage` entry point


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **extra}


def run(args: list[str], **extra: str) -> str:
    done = subprocess.run(args, env=env(**extra), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_and_options_through_the_shown_script() -> None:
    script = (
        "source <(aiusage --show-completion bash)\n"
        'complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _aiusage_completion aiusage;'
        " printf '%s\\n' \"${COMPREPLY[@]}\"; echo ---; }\n"
        "complete_words aiusage tr\n"
        "complete_words aiusage daemon --ins\n"
        "complete_words aiusage daily --wat\n"
    )
    out = run(["bash", "-c", script])
    tray, daemon, daily, _ = out.split("---\n")
    assert tray.split() == ["tray"]
    assert daemon.split() == ["--install"]
    assert daily.split() == ["--watch"]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _aiusage_completion aiusage"),
        ("zsh", "#compdef aiusage"),
        ("fish", "complete --command aiusage"),
    ],
)
def test_the_script_for_each_shell(shell: str, marker: str) -> None:
    # the shell is normally detected from the parent process; this variable lets it be named
    shown = run(
        ["aiusage", "--show-completion", shell], _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"
    )
    assert marker in shown
    assert f"_AIUSAGE_COMPLETE=complete_{shell}" in shown


def test_zsh_and_fish_get_answers_with_help() -> None:
    zsh = run(
        ["aiusage"], _AIUSAGE_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="aiusage tray --mo"
    )
    assert '"--mode":"What the icon shows' in zsh
    fish = run(
        ["aiusage"],
        _AIUSAGE_COMPLETE="complete_fish",
        _TYPER_COMPLETE_ARGS="aiusage daily --wa",
        _TYPER_COMPLETE_FISH_ACTION="get-args",
    )
    assert fish.startswith("--watch\tRedraw every SECONDS")
