"""Import rules from DESIGN.md, checked by parsing imports, and documented settings."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import aiusage
from aiusage.config import SETTINGS

PACKAGE = Path(aiusage.__file__).parent
ROOT = PACKAGE.parent.parent
FRONT_ENDS = ("cli", "tui", "web", "tray", "otel")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {m for m in found if m == "aiusage" or m.startswith("aiusage.")}


def _modules(sub: str) -> list[Path]:
    base = PACKAGE / sub
    return sorted(base.rglob("*.py")) if base.is_dir() else [PACKAGE / f"{sub}.py"]


def test_records_imports_nothing_of_ours() -> None:
    assert _imports(PACKAGE / "records.py") == set()


def test_sources_never_import_store_analytics_or_front_ends() -> None:
    banned = (
        "aiusage.store",
        "aiusage.analytics",
        "aiusage.app",
        "aiusage.ingest",
        "aiusage.fake",
        *(f"aiusage.{f}" for f in FRONT_ENDS),
    )
    for path in _modules("sources"):
        bad = {m for m in _imports(path) if m.startswith(banned)}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_fake_servers_import_only_each_other() -> None:
    """Fakes speak the providers' formats without knowing our code, so a bug cannot hide
    on both sides of the wire."""
    for path in _modules("fake"):
        bad = {m for m in _imports(path) if not m.startswith("aiusage.fake")}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_front_ends_import_only_app_and_records() -> None:
    allowed = ("aiusage.app", "aiusage.records", *(f"aiusage.{f}" for f in FRONT_ENDS))
    for front in FRONT_ENDS:
        for path in _modules(front) if (PACKAGE / front).is_dir() else []:
            bad = {m for m in _imports(path) if not m.startswith(allowed)}
            assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_modules_stay_small() -> None:
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines < 400, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_importing_the_package_does_no_work() -> None:
    code = (
        "import sys, aiusage, aiusage.app, aiusage.cli; "
        "print(','.join(sorted(m for m in ('sqlalchemy', 'alembic', 'genai_prices', "
        "'psycopg') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported at start-up: {out.stdout}"


def test_every_setting_is_documented() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in docs, f"{setting.name} missing from docs/configuration.md"
        assert setting.env in docs, f"{setting.env} missing from docs/configuration.md"
        assert setting.help, f"{setting.name} has no help text"
