"""The tray's tests: Qt on the offscreen platform (no display, no window on a desktop),
one QApplication for the session, and a store seeded with something to show."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before any QApplication exists: never a window on the developer's desktop.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtWidgets import QApplication


@pytest.fixture(scope="session")
def qapp() -> Iterator[QApplication]:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(["aiusage-tests"])
    app.setQuitOnLastWindowClosed(False)
    yield app


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tray.db'}"
