"""Turn OpenAI Usage/Costs API rows and rate-limit headers into our records.

Why separate from the adapter: the mapping is where the unit traps live (``input_tokens``
includes cached input, cost ``amount.value`` is dollars, resets are Go durations), so it
is kept as pure functions that the tests can pin down row by row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiusage.errors import SourceFormatError
from aiusage.records import Observation, UsageEvent
from aiusage.sources.providers.base import RATE_LIMIT_REMAINING
from aiusage.sources.providers.http import header_number, parse_duration_s

PROVIDER = "openai"


@dataclass(frozen=True, slots=True)
class Kind:
    """One usage endpoint: its path, what it may be grouped by, and whether it has tokens."""

    name: str  # 'completions' — the path segment and the dedup-key prefix
    group_by: tuple[str, ...]
    tokens: bool  # token counts only grow, so the store's "most tokens wins" rule applies


_BY_MODEL = ("model", "project_id", "api_key_id")
KINDS: tuple[Kind, ...] = (
    Kind("completions", _BY_MODEL, True),
    Kind("embeddings", _BY_MODEL, True),
    Kind("moderations", _BY_MODEL, True),
    Kind("images", _BY_MODEL, False),
    Kind("audio_speeches", _BY_MODEL, False),
    Kind("audio_transcriptions", _BY_MODEL, False),
    Kind("vector_stores", ("project_id",), False),
    Kind("code_interpreter_sessions", ("project_id",), False),
)

#: Counters other than tokens, kept in ``meta`` under the API's own names.
_COUNTS = ("images", "characters", "seconds", "usage_bytes", "num_sessions")
#: Completions detail kept in ``meta`` (cache writes are billed as input by OpenAI).
_DETAIL = ("input_cache_write_tokens", "input_audio_tokens", "output_audio_tokens", "batch")

_MODEL_ITEM = re.compile(
    r"^(ft:)?(gpt|chatgpt|o\d|text-embedding|text-moderation|omni-moderation|whisper|tts|"
    r"dall-e|davinci|babbage|computer-use|codex|sora)[\w.:\-]*$",
    re.IGNORECASE,
)


def buckets(page: Any, where: str) -> tuple[list[dict[str, Any]], bool, str | None]:
    """The buckets of one ``page`` object, whether more follow, and the next cursor."""
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise SourceFormatError(f"{where}: the answer is not a page of buckets")
    data = [b for b in page["data"] if isinstance(b, dict)]
    for bucket in data:
        if not isinstance(bucket.get("start_time"), int) or not isinstance(
            bucket.get("results"), list
        ):
            raise SourceFormatError(f"{where}: a bucket lacks start_time or results")
    cursor = page.get("next_page")
    more = bool(page.get("has_more")) and isinstance(cursor, str) and bool(cursor)
    return data, more, cursor if more else None


def _int(row: Mapping[str, Any], name: str) -> int:
    value = row.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return int(value)


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return value if isinstance(value, str) else ""


def usage_event(account: str, kind: Kind, start_s: int, row: Mapping[str, Any]) -> UsageEvent:
    """One usage result row as a UsageEvent: uncached input, cache reads, output, requests."""
    model, project, key_id = _text(row, "model"), _text(row, "project_id"), _text(row, "api_key_id")
    cached = _int(row, "input_cached_tokens")
    meta: dict[str, Any] = {"kind": kind.name}
    if key_id:
        meta["api_key_id"] = key_id
    for name in (*_COUNTS, *_DETAIL):
        if row.get(name) is not None:
            meta[name] = row[name]
    if "num_model_requests" in row:
        requests = _int(row, "num_model_requests")
    elif "num_sessions" in row:
        requests = _int(row, "num_sessions")
    else:
        requests = 0  # vector store bytes: a size, not a use
    return UsageEvent(
        ts_ms=start_s * 1000,
        source=account,
        account=account,
        provider=PROVIDER,
        dedup_key=f"openai:{kind.name}:{start_s}:{model}:{project}:{key_id}",
        model=model,
        project=project,
        input_tokens=max(0, _int(row, "input_tokens") - cached),
        cache_read_tokens=cached,
        output_tokens=_int(row, "output_tokens"),
        requests=requests,
        reported_cost_usd=0.0,
        meta=meta,
    )


def model_of_line_item(line_item: str) -> str:
    """'gpt-4o-2024-08-06, input' -> 'gpt-4o-2024-08-06'; '' when no model is named."""
    head = line_item.split(",", 1)[0].strip()
    return head if _MODEL_ITEM.match(head) else ""


def cost_event(account: str, start_s: int, row: Mapping[str, Any]) -> UsageEvent | None:
    """One costs row as a zero-token event carrying the billed dollars (``amount.value``
    is dollars, not cents). None for a row with no amount."""
    amount = row.get("amount")
    if not isinstance(amount, dict):
        return None
    value = amount.get("value")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    currency = str(amount.get("currency") or "usd").lower()
    line_item, project = _text(row, "line_item"), _text(row, "project_id")
    meta: dict[str, Any] = {"kind": "costs", "line_item": line_item, "currency": currency}
    for name in ("quantity", "quantity_unit", "api_key_id"):
        if row.get(name) is not None:
            meta[name] = row[name]
    return UsageEvent(
        ts_ms=start_s * 1000,
        source=account,
        account=account,
        provider=PROVIDER,
        dedup_key=f"openai:costs:{start_s}:{project}:{line_item}",
        model=model_of_line_item(line_item),
        project=project,
        requests=0,
        reported_cost_usd=float(value),
        meta=meta,
    )


def rate_limit_observations(
    account: str, headers: Mapping[str, str], now_ms: int, model: str
) -> list[Observation]:
    """``x-ratelimit-*`` headers of an inference answer as 'rate_limit_remaining' readings."""
    found: list[Observation] = []
    for window in ("requests", "tokens"):
        remaining = header_number(headers, f"x-ratelimit-remaining-{window}")
        if remaining is None:
            continue
        reset = parse_duration_s(headers.get(f"x-ratelimit-reset-{window}", ""))
        found.append(
            Observation(
                ts_ms=now_ms,
                account=account,
                metric=RATE_LIMIT_REMAINING,
                value=remaining,
                window=window,
                limit=header_number(headers, f"x-ratelimit-limit-{window}"),
                unit=window,
                resets_at_ms=None if reset is None else now_ms + round(reset * 1000),
                source=account,
                kind="official",
                meta={"model": model},
            )
        )
    return found
