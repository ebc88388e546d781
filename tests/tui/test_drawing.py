"""The monitor's drawing functions without a terminal: numbers, countdowns, bars, the
chart (its buckets merge without losing any spend) and the table's order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tuitools import NOW

from aiusage.tui import chart, panels
from aiusage.tui import format as f
from aiusage.tui.model import Chart, SourceRow, View, Window, cycle, sorted_rows


def test_numbers_and_countdowns() -> None:
    assert [f.money(v) for v in (0, 2.1, 1388.44, 25_000.4)] == [
        "$0.00",
        "$2.10",
        "$1,388.44",
        "$25,000",
    ]
    assert [f.count(v) for v in (0, 950, 1_234, 20_300_000, 2.1e9)] == [
        "0",
        "950",
        "1.2k",
        "20.3M",
        "2.1B",
    ]
    assert [f.duration(s * 1000) for s in (0, 42, 309, 7_620, 360_000)] == [
        "0s",
        "42s",
        "5m 09s",
        "2h 07m",
        "4d 04h",
    ]
    at = datetime.fromtimestamp(NOW / 1000, UTC)
    assert f.until(at + timedelta(minutes=90), NOW) == "1h 30m"
    assert f.until(at - timedelta(minutes=5), NOW) == "passed"
    assert f.until(None, NOW) == "—"
    assert f.clock(at + timedelta(hours=2), NOW) == "17:30"
    assert f.clock(at + timedelta(days=2), NOW) == "Thu 15:30"
    assert f.clock(at + timedelta(days=9), NOW) == "Dec 03 15:30"


def test_bars_fill_in_eighths_and_stop_at_full() -> None:
    assert f.bar(0.5, 10).plain == "█████░░░░░"
    assert f.bar(0.5625, 4).plain == "██▎░"
    assert f.bar(1.7, 6).plain == "██████"  # over 100%: full, the label says by how much
    assert f.bar(-1, 3).plain == "░░░"
    assert f.bar(0.25, 8, marker=0.75).plain == "██░░░░│░"


def test_status_reads_without_colour() -> None:
    assert f.status("critical").plain == "✖ crit"
    assert f.status("warning", short=True).plain == "▲"


def test_merging_buckets_keeps_every_dollar_and_the_newest_bar() -> None:
    values = [float(i) for i in range(90)]
    labels = [f"d{i}" for i in range(90)]
    merged, names = chart.merged(values, labels, 40)
    assert len(merged) <= 40 and sum(merged) == sum(values)
    assert merged[-1] == 89 + 88 + 87 and names[-1] == "d87"
    assert chart.merged(values[:5], labels[:5], 40) == (values[:5], labels[:5])


def test_chart_draws_rows_scale_and_time_axis() -> None:
    c = Chart("24h", "cost", "hour", [f"{h:02d}:00" for h in range(24)], [0.0] * 23 + [4.0], 4.0)
    lines = chart.render(c, 60, 6).plain.splitlines()
    assert len(lines) == 6
    assert lines[0].startswith("$4.00") and lines[4].startswith("$0.00")
    assert lines[0].rstrip().endswith("██")  # the one busy hour reaches the top
    assert lines[5].split() == ["00:00", "12:00", "23:00"]
    title = chart.title(c, "codex")
    assert title == "codex · Cost per hour · last 24 h · $4.00"


def window(used: float) -> Window:
    return Window("5h", used)


def row(name: str, today: float, month: float, tokens: int, used: float | None) -> SourceRow:
    limit = None if used is None else window(used)
    return SourceRow(name, "agent", "x", "ok", "", today, month, tokens, 0, 0, limit, None, None)


def test_sorting_and_filtering_the_table() -> None:
    rows = [row("b", 1, 50, 10, 20), row("a", 3, 10, 99, None), row("c", 2, 90, 5, 95)]

    def order(**view: str | None) -> list[str]:
        return [r.name for r in sorted_rows(rows, View(**view))]  # type: ignore[arg-type]

    assert order() == ["c", "b", "a"]
    assert order(sort="today") == ["a", "c", "b"]
    assert order(sort="tokens") == ["a", "b", "c"]
    assert order(sort="limit") == ["c", "b", "a"]
    assert order(sort="name") == ["a", "b", "c"]
    assert order(source="b") == ["b"]
    assert cycle(("x", "y"), "y") == "x" and cycle(("x", "y"), "gone") == "x"


@pytest.mark.parametrize(("width", "keys"), [(120, 10), (100, 8), (80, 6), (60, 5)])
def test_columns_by_width(width: int, keys: int) -> None:
    assert len(panels.columns(width)) == keys
