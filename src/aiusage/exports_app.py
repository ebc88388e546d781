"""The facade for exporters that follow the store as it grows (OpenTelemetry).

Why a cursor per exporter: a histogram of tokens per request (the GenAI conventions'
``gen_ai.client.token.usage``) must see each request once, across restarts; the exporter
keeps the id of the last event it recorded in the store's meta table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiusage.app import App
    from aiusage.dashboard.metrics import Metric, Sample


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One usage event as an exporter needs it (no session, project or meta)."""

    id: int
    ts_ms: int
    source: str
    provider: str
    model: str
    input_tokens: int  # uncached input
    cache_read_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    requests: int


class ExportsApi:
    def __init__(self, app: App) -> None:
        self.app = app

    def metrics(self) -> tuple[tuple[Metric, ...], dict[str, list[Sample]]]:
        """The one metrics table and its samples now (what /metrics serves)."""
        return self.app.dashboard.metrics()

    def latest_event_id(self) -> int:
        db = self.app.store.db
        value = db.scalar("SELECT MAX(id) FROM usage_events")
        db.commit()
        return int(value or 0)

    def events_after(self, after_id: int, limit: int = 10_000) -> list[RecordedEvent]:
        """Visible events with an id above ``after_id``, oldest first."""
        db = self.app.store.db
        rows = db.query(
            "SELECT id, ts_ms, source, provider, model, input_tokens, cache_read_tokens, "
            "cache_write_5m_tokens + cache_write_1h_tokens, output_tokens, reasoning_tokens, "
            "requests FROM usage_events WHERE id > :a AND hidden = 0 ORDER BY id LIMIT :n",
            {"a": after_id, "n": limit},
        )
        db.commit()
        return [RecordedEvent(*(r[:2]), *(str(x) for x in r[2:5]), *r[5:]) for r in rows]

    def cursor(self, name: str) -> int | None:
        value = self.app.store.meta(f"export_cursor:{name}")
        return int(value) if value else None

    def set_cursor(self, name: str, event_id: int) -> None:
        self.app.store.set_meta(f"export_cursor:{name}", str(event_id))

    def describe(self) -> dict[str, Any]:
        """Where the store is, for an exporter's startup line (no password)."""
        return {"database": self.app.store.shown_url}
