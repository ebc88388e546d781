"""The store: usage events, observations and ingest cursors in SQLite or PostgreSQL."""

from aiusage.store.store import Cursor, Store, open_store

__all__ = ["Cursor", "Store", "open_store"]
