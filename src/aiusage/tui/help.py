"""The help screen (key ``?``): every key, and what the columns and panes mean."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("p", "chart period: last 24 h (hourly), 7, 30 or 90 days (daily)"),
    ("m", "chart metric: cost or tokens"),
    ("s / S", "next / previous source: the table, chart and block show only it"),
    ("a", "all sources again"),
    ("enter", "show only the source under the cursor"),
    ("o", "sort the table: month $, today $, tokens today, limit %, name"),
    ("r", "read new agent log lines and collect every account now"),
    ("?", "this help"),
    ("q", "quit"),
)

COLUMNS = """\
[b]Columns[/b]  Today and Month are spend in your time zone's day and month; Tokens
are today's; Limit is the fullest rate-limit or subscription window (or the balance
when there is none); Resets in counts down to that window's reset; Burn is the spend
rate of the source's active 5-hour block.

[b]Active block[/b]  the current 5-hour usage window: time gone, spend and tokens so
far with a projection to its end at the current rate, and how full its limit is
(official readings when the agent reports them, else an estimate from your history).

The view refreshes when the collector writes to the store (this process, aiusage
daemon or aiusage serve), and countdowns tick every second. The status message of
the row under the cursor shows under the table."""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        keys = "\n".join(f"  [b]{k:<7}[/b] {what}" for k, what in KEYS)
        with VerticalScroll() as box:
            box.border_title = "aiusage top — keys"
            yield Static(f"{keys}\n\n{COLUMNS}", id="help-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
