"""Two widgets: a pane drawn by a function of its size, and the sources table.

Why a pane that draws itself at render time: bars, the chart and the block's gauges are
sized to the cells they get, so a resize (or a small terminal) redraws them to fit
instead of wrapping; the app only says *what* to draw and calls ``refresh()``.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import DataTable

from aiusage.tui import panels
from aiusage.tui.model import Snapshot, SourceRow

Draw = Callable[[int, int], Text]  # (width, height) -> text


class Pane(Widget):
    """A bordered box whose text is drawn for its current size."""

    def __init__(self, title: str, draw: Draw | None = None, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = title
        self.draw: Draw = draw or (lambda w, h: Text())

    def render(self) -> Text:
        size = self.content_size
        return self.draw(size.width, size.height)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        text = self.draw(width, 0)
        return max(1, len(text.wrap(self.app.console, width, no_wrap=True)))

    def show(self, draw: Draw, title: str | None = None) -> None:
        self.draw = draw
        if title is not None:
            self.border_title = title
        self.refresh(layout=True)


class SourcesTable(DataTable[Text]):
    """A row per agent and provider account; the countdown column ticks in place."""

    def __init__(self) -> None:
        super().__init__(id="sources", cursor_type="row", zebra_stripes=True)
        self.keys: list[str] = []
        self.border_title = "Sources"

    def fill(self, rows: list[SourceRow], snap: Snapshot, now_ms: int, width: int) -> None:
        """Redraw every row, keeping the cursor on the same source."""
        cols = panels.columns(width)
        keys = [k for k, _, _ in cols]
        current = self._cursor_name()
        if keys != self.keys:
            self.clear(columns=True)
            for key, label, right in cols:
                self.add_column(Text(label, justify="right" if right else "left"), key=key)
            self.keys = keys
        else:
            self.clear()
        for row in rows:
            values = panels.cells(row, keys, now_ms, snap, width)
            for (_, _, right), value in zip(cols, values, strict=True):
                value.justify = "right" if right else "left"
            self.add_row(*values, key=row.name)
        # narrow screens give the table what the panes leave, but no more than its rows
        self.styles.max_height = len(rows) + 3 if self.screen.has_class("-narrow") else None
        names = [r.name for r in rows]
        if current in names:
            self.move_cursor(row=names.index(current), animate=False)

    def tick(self, rows: list[SourceRow], snap: Snapshot, now_ms: int, width: int) -> None:
        """Only the columns that move with the clock (the reset countdowns)."""
        for key in panels.TICKING:
            if key not in self.keys:
                continue
            for row in rows:
                value = panels.cell(row, key, now_ms, snap, width)
                value.justify = "right"
                self.update_cell(row.name, key, value)

    def _cursor_name(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # the cursor was past the last row
            return None
        return None if key.value is None else str(key.value)

    def selected(self) -> str | None:
        return self._cursor_name()
