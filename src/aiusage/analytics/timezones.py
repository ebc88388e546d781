"""Local days in any time zone, exactly, including DST changes and half-hour offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiusage.errors import ConfigError

DAY_MS = 86_400_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def resolve_tz(name: str | None) -> tzinfo:
    """An IANA zone by name, or the system's zone when name is None."""
    if not name:
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {name!r}", hint="use an IANA name such as Europe/Berlin or UTC"
        ) from exc


def _offset_ms(tz: tzinfo, ts_ms: int) -> int:
    off = datetime.fromtimestamp(ts_ms / 1000, tz).utcoffset()
    return int(off.total_seconds() * 1000) if off else 0


def offset_segments(tz: tzinfo, lo_ms: int, hi_ms: int) -> list[tuple[int, int]]:
    """[(from_ms, utc_offset_ms)] covering [lo, hi]: the offset changes at each from_ms."""
    segments = [(lo_ms, _offset_ms(tz, lo_ms))]
    step = 6 * 3_600_000
    t = lo_ms
    while t < hi_ms:
        nxt = min(t + step, hi_ms)
        off = _offset_ms(tz, nxt)
        if off != segments[-1][1]:
            a, b = t, nxt  # the change happens in (a, b]: find it to the millisecond
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_ms(tz, mid) == segments[-1][1]:
                    a = mid
                else:
                    b = mid
            segments.append((b, off))
        t = nxt
    return segments


def day_number(d: date) -> int:
    """Days since 1970-01-01 (the inverse of ``day_number_to_date``)."""
    return d.toordinal() - _EPOCH_ORDINAL


def day_number_to_date(n: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + n)


def local_midnight_ms(d: date, tz: tzinfo) -> int:
    """UTC epoch ms of local midnight starting day d."""
    naive = datetime(d.year, d.month, d.day)
    aware = naive.replace(tzinfo=tz)
    return int(aware.astimezone(UTC).timestamp() * 1000)


def local_date(ts_ms: int, tz: tzinfo) -> date:
    return datetime.fromtimestamp(ts_ms / 1000, tz).date()


def week_start(d: date, start_of_week: int) -> date:
    """The first day of d's week; start_of_week is 0 for Monday … 6 for Sunday."""
    return d - timedelta(days=(d.weekday() - start_of_week) % 7)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_start_of_week(name: str) -> int:
    key = name.strip().lower()
    for i, day in enumerate(WEEKDAYS):
        if day.startswith(key[:3]) and len(key) >= 3:
            return i
    raise ConfigError(f"unknown start of week {name!r}", hint="use monday … sunday")
