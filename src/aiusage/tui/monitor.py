"""``aiusage top``: the live terminal monitor (Textual).

Three clocks drive it. Every second the countdowns and the block's gauges are redrawn
from the clock alone (no query). Every ``interval`` seconds the store is asked what
changed (:mod:`aiusage.tui.feed`); only then, or every ``reload_s`` seconds (limits and
budgets also move with time), is the whole view read again. Keys change what is shown
(period, metric, source, order) and re-read only what they need.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.widgets import DataTable, Footer, Static

from aiusage.app import AppContext
from aiusage.tui import chart, panels
from aiusage.tui.feed import Collecting, Feed
from aiusage.tui.model import METRICS, PERIODS, SORTS, Snapshot, View, cycle, sorted_rows
from aiusage.tui.widgets import Pane, SourcesTable

T = TypeVar("T")
Clock = Callable[[], int]  # epoch milliseconds
# Classes set on the screen by its size (monitor.tcss says what each one hides).
WIDTHS = [(0, "-narrow"), (100, "-wide")]
HEIGHTS = [(0, "-micro"), (16, "-tiny"), (22, "-short"), (32, "-tall")]


def wall_clock() -> int:
    return int(time.time() * 1000)


class TopApp(App[None]):
    TITLE = "aiusage top"
    ENABLE_COMMAND_PALETTE = False
    CSS_PATH = "monitor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "collect", "Refresh"),
        Binding("p", "period", "Period"),
        Binding("m", "metric", "Metric"),
        Binding("s", "source(1)", "Source"),
        Binding("S", "source(-1)", "Prev source", show=False),
        Binding("a", "all_sources", "All sources", show=False),
        Binding("o", "sort", "Sort"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(
        self,
        ctx: AppContext,
        *,
        tz: str | None = None,
        interval: float = 2.0,
        collect: bool = False,
        logs_interval_s: float = 10.0,
        clock: Clock = wall_clock,
        reload_s: float = 30.0,
    ) -> None:
        super().__init__()
        self.HORIZONTAL_BREAKPOINTS, self.VERTICAL_BREAKPOINTS = WIDTHS, HEIGHTS
        self.feed = Feed(ctx, tz)
        self.interval = interval
        self.collect = collect
        self.logs_interval_s = logs_interval_s
        self.clock = clock
        self.reload_s = reload_s
        self.view = View()
        self.snap: Snapshot | None = None
        self.loaded_ms = 0
        self.loads = 0  # how many times the whole view was read (tests watch it)
        self.note = ""  # what the monitor is doing ('collecting…')
        self.error = ""  # why the last read failed, until one succeeds
        self.collector: Collecting | None = None

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Vertical(id="body"):
            yield SourcesTable()
            with Horizontal(id="lower"):
                with Container(id="left"):
                    yield Pane("Active block (5 h)", id="block")
                    with Vertical(id="stack"):
                        yield Pane("Budgets", id="budgets")
                        yield Pane("Recent alerts", id="alerts")
                yield Pane("Chart", id="chart")
        yield Static(panels.EMPTY, id="empty")
        yield Footer()

    async def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)
        self.set_interval(self.interval, self.poll)
        self.reload()
        if self.collect:
            self.start_collector()

    async def on_unmount(self) -> None:
        if self.collector is not None:
            self.collector.stop(5.0)
        self.feed.close()

    # -- reading ---------------------------------------------------------------------
    @work(exclusive=True, group="load", exit_on_error=False)
    async def reload(self) -> None:
        """Read the whole view again (on the data thread) and redraw it."""
        view, now = self.view, self.clock()
        snap = await self.read(self.feed.snapshot(view, now))
        if snap is None:
            return
        self.snap, self.loaded_ms = snap, now
        self.loads += 1
        self.draw()
        if view.chart != self.view.chart:
            self.reload_chart()  # a key changed the chart while this was being read

    @work(exclusive=True, group="chart", exit_on_error=False)
    async def reload_chart(self) -> None:
        """Only the chart (the period, metric or source changed). A group of its own: it
        must not cancel a full reload, whose store markers are already taken."""
        from aiusage.tui.model import load_chart

        view, now = self.view, self.clock()
        new = await self.read(lambda app: load_chart(app, view, now))
        if new is not None and self.snap is not None and view.chart == self.view.chart:
            self.snap = replace(self.snap, chart=new)
            self.draw_chart()

    async def poll(self) -> None:
        """Reload when the store changed (or ``reload_s`` passed: limits move with time)."""
        if self.snap is None:
            return
        changed = await self.read(self.feed.changes)
        if changed is None:
            return
        for severity, title in changed.alerts:
            level: SeverityLevel = "error" if severity == "critical" else "warning"
            self.notify(title, title="alert", severity=level)
        if changed.any or self.clock() - self.loaded_ms >= self.reload_s * 1000:
            self.reload()

    async def read(self, fn: Callable[[Any], T]) -> T | None:
        """``fn(app)`` on the data thread. A failure (the database went away, a config
        error) goes to the top bar and the monitor keeps running: the next poll retries."""
        try:
            result = await self.feed.call(fn)
        except Exception as exc:
            self.error = str(exc) or type(exc).__name__
            self.draw_topbar()
            return None
        if self.error:
            self.error = ""
            self.draw_topbar()
        return result

    def start_collector(self) -> None:
        """The daemon's loop on a thread; when ``aiusage daemon`` already collects into
        this store it says so and stays idle (the monitor then shows what that writes)."""

        async def begin() -> None:
            every = self.logs_interval_s
            self.collector = await self.feed.call(
                lambda app: app.dashboard.collector(logs_interval_s=every)
            )
            self.collector.start()

        self.run_worker(begin(), exit_on_error=False)

    # -- drawing ---------------------------------------------------------------------
    def collector_state(self) -> str:
        if not self.collect:
            return "off"
        return "starting" if self.collector is None else self.collector.state

    def draw_topbar(self) -> None:
        now = self.clock()
        note = f"error: {self.error}" if self.error else self.note
        bar = panels.topbar(self.snap, now, self.collector_state(), note, self.size.width)
        self.query_one("#topbar", Static).update(bar)

    def draw(self) -> None:
        snap = self.snap
        if snap is None:
            return
        self.screen.set_class(snap.empty, "-empty")
        self.draw_topbar()
        table = self.query_one(SourcesTable)
        table.fill(sorted_rows(snap.rows, self.view), snap, self.clock(), self.size.width)
        self.draw_titles()
        self.draw_block()
        self.query_one("#budgets", Pane).show(lambda w, h: panels.budgets(snap.budgets, w))
        self.query_one("#alerts", Pane).show(lambda w, h: panels.alerts(snap, self.clock()))
        self.draw_chart()

    def draw_titles(self) -> None:
        found = self.query(SourcesTable)
        if not found:  # a highlight arriving while the screen is being torn down
            return
        table = found.first()
        name = table.selected()
        row = next((r for r in self.snap.rows if r.name == name), None) if self.snap else None
        table.border_title, table.border_subtitle = panels.table_titles(self.view, row)

    def on_data_table_row_highlighted(self) -> None:
        self.draw_titles()

    def draw_block(self) -> None:
        snap, view = self.snap, self.view
        if snap is None:
            return
        self.query_one("#block", Pane).show(
            lambda w, h: panels.block(snap.blocks, view, self.clock(), w, snap)
        )

    def draw_chart(self) -> None:
        snap = self.snap
        if snap is None:
            return
        c = snap.chart
        self.query_one("#chart", Pane).show(
            lambda w, h: chart.render(c, w, max(h, 3)), title=chart.title(c, self.view.source)
        )

    def tick(self) -> None:
        """Once a second: countdowns and gauges from the clock, no query."""
        snap = self.snap
        if snap is None:
            return
        self.draw_topbar()
        rows = sorted_rows(snap.rows, self.view)
        self.query_one(SourcesTable).tick(rows, snap, self.clock(), self.size.width)
        self.query_one("#block", Pane).refresh()
        self.query_one("#alerts", Pane).refresh()

    def on_resize(self) -> None:
        # after the new size is laid out: the table's columns depend on it
        self.call_after_refresh(self.draw)

    # -- keys ------------------------------------------------------------------------
    def action_period(self) -> None:
        self.view = replace(self.view, period=cycle(PERIODS, self.view.period))
        self.reload_chart()

    def action_metric(self) -> None:
        self.view = replace(self.view, metric=cycle(METRICS, self.view.metric))
        self.reload_chart()

    def action_sort(self) -> None:
        self.view = replace(self.view, sort=cycle(SORTS, self.view.sort))
        self.draw()

    def action_source(self, step: int) -> None:
        names: list[str | None] = [None, *(self.snap.sources if self.snap else [])]
        at = names.index(self.view.source) if self.view.source in names else 0
        self.choose(names[(at + step) % len(names)])

    def action_all_sources(self) -> None:
        self.choose(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is not None:
            self.choose(None if key == self.view.source else str(key))

    def choose(self, source: str | None) -> None:
        self.view = replace(self.view, source=source)
        self.draw()
        self.reload_chart()

    @work(exclusive=True, group="collect", exit_on_error=False)
    async def action_collect(self) -> None:
        self.note = "collecting…"
        self.draw_topbar()
        said = await self.read(self.feed.collect_now)
        self.note = ""
        if said is not None:
            self.notify(said, title="refreshed", timeout=4)
        self.reload()

    def action_help(self) -> None:
        from aiusage.tui.help import HelpScreen

        self.push_screen(HelpScreen())
