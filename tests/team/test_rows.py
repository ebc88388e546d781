"""A push batch is checked row by row against the schema: a malformed row is named
(kind and index) so the member can drop it; too many rows is a 413."""

from __future__ import annotations

from typing import Any

import pytest
from teamtools import batch, event, now_ms, reading

from aiusage.errors import TeamError
from aiusage.store.schema import observations, usage_events
from aiusage.store.team_rows import EVENT_FIELDS, MAX_ROWS, OBSERVATION_FIELDS, parse_batch


def _refused(data: Any) -> TeamError:
    with pytest.raises(TeamError) as caught:
        parse_batch(data)
    return caught.value


def test_the_fields_are_the_schemas_columns() -> None:
    """What a row may carry is the table's columns but id, hidden, user_name, machine."""
    server_set = {"id", "hidden", "user_name", "machine"}
    assert set(EVENT_FIELDS) == {c.name for c in usage_events.columns} - server_set
    assert set(OBSERVATION_FIELDS) == {c.name for c in observations.columns} - server_set
    for table, fields in ((usage_events, EVENT_FIELDS), (observations, OBSERVATION_FIELDS)):
        for column in table.columns:
            length = getattr(column.type, "length", None)
            if length and column.name in fields:
                check = fields[column.name][0]
                check("x" * length)
                with pytest.raises(Exception, match="longer"):
                    check("x" * (length + 1))


def test_a_good_batch_is_cleaned_with_defaults() -> None:
    minimal = {"source": "codex", "dedup_key": "k", "ts_ms": now_ms()}
    machine, events, readings = parse_batch(batch([minimal], [reading(now_ms())], "box"))
    assert machine == "box"
    assert events[0]["requests"] == 1 and events[0]["meta"] == "{}"
    assert events[0]["cost_calc_usd"] is None
    assert readings[0]["value"] == 42.0


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"input_tokens": -1}, "input_tokens must be an integer"),
        ({"input_tokens": True}, "input_tokens must be an integer"),
        ({"input_tokens": 1.5}, "input_tokens must be an integer"),
        ({"ts_ms": 10**14}, "ts_ms must be epoch milliseconds"),
        ({"ts_ms": "2025-01-01"}, "ts_ms must be epoch milliseconds"),
        ({"model": "m" * 129}, "model is longer than 128"),
        ({"source": ""}, "source must not be empty"),
        ({"cost_calc_usd": "NaN"}, "cost_calc_usd must be a number"),
        ({"sidechain": 2}, "sidechain must be 0 or 1"),
        ({"meta": "[1]"}, "meta must be a JSON object"),
        ({"meta": "{"}, "meta is not JSON"),
        ({"project": "a\x00b"}, "project contains a NUL"),
        ({"session": "\ud800"}, "session is not valid Unicode"),
        ({"meta": '{"a": "\x00"}'}, "meta contains a NUL"),
        ({"user_name": "bob"}, "unknown field(s) user_name"),
        ({"machine": "other"}, "unknown field(s) machine"),
    ],
)
def test_a_malformed_event_is_named(fields: dict[str, Any], named: str) -> None:
    rows = [event("ok", now_ms()), event("ok2", now_ms()), {**event("bad", now_ms()), **fields}]
    error = _refused(batch(rows))
    assert error.status == 422
    assert error.row == {"kind": "events", "index": 2}
    assert named in str(error)


def test_a_missing_field_and_a_bad_reading_are_named() -> None:
    row = event("k", now_ms())
    del row["dedup_key"]
    error = _refused(batch([row]))
    assert "events[0]: dedup_key is missing" in str(error)
    error = _refused(batch([], [reading(now_ms()), reading(now_ms(), value=float("inf"))]))
    assert error.row == {"kind": "observations", "index": 1}


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ([], "not a JSON object"),
        ({**batch(), "version": 2}, "version 2"),
        ({**batch(), "user": "bob"}, "unknown field(s) in the batch: user"),
        ({**batch(), "events": {}}, "events must be a list"),
        ({**batch(), "machine": 5}, "machine must be a string"),
    ],
)
def test_a_malformed_batch_is_refused(data: Any, said: str) -> None:
    error = _refused(data)
    assert error.status == 422 and said in str(error) and error.row is None


def test_more_rows_than_a_batch_may_hold_is_413() -> None:
    rows = [{"source": "s", "dedup_key": str(i), "ts_ms": 1} for i in range(MAX_ROWS + 1)]
    assert _refused(batch(rows)).status == 413
