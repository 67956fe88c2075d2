"""Times, durations and counts as the viewer writes them for people: "1.25 s", "14:03:27, 2 min ago",
"1 trace". Clock times are UTC here; viewer.js rewrites each <time> element in the reader's own zone."""

from __future__ import annotations

import datetime

from markupsafe import Markup, escape

MINUTE_US, HOUR_US, DAY_US = 60_000_000, 3_600_000_000, 86_400_000_000


def duration(micros: int | None) -> str:
    """A duration in microseconds to three significant digits: 250 µs, 12.5 ms, 1.25 s, 2 min 5 s, 1 h 3 min."""
    if micros is None:
        return ""
    if micros < 1000:
        return f"{micros} µs"
    if micros < 999_500:  # below that, three digits of milliseconds round to less than 1000
        return f"{micros / 1000:.3g} ms"
    if micros < 59_950_000:
        return f"{micros / 1e6:.3g} s"
    minutes, seconds = divmod(round(micros / 1e6), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def ago(micros: int, now: int) -> str:
    """How long before `now` (both epoch microseconds) `micros` was: "just now", "2 min ago", "3 h ago"."""
    elapsed = now - micros
    if elapsed < 0:
        return "in the future"  # another machine's clock ahead of this one's
    if elapsed < 5_000_000:
        return "just now"
    if elapsed < MINUTE_US:
        return f"{elapsed // 1_000_000} s ago"
    if elapsed < HOUR_US:
        return f"{elapsed // MINUTE_US} min ago"
    if elapsed < 2 * DAY_US:
        return f"{elapsed // HOUR_US} h ago"
    return f"{elapsed // DAY_US} days ago"


LAST_MICROS = 253_402_300_799_000_000  # 9999-12-31 23:59:59 UTC, the last time Python's datetime can write


def _utc(micros: int) -> datetime.datetime:
    """The time as a UTC datetime; a time out of datetime's range (a query's endTs can be anything) at its end."""
    return datetime.datetime.fromtimestamp(min(max(micros, 0), LAST_MICROS) / 1e6, tz=datetime.UTC)


def clock_text(micros: int, now: int, precise: bool = False) -> str:
    """A UTC clock time: 14:03:27 (14:03:27.123 when `precise`), the date first when not today's."""
    moment = _utc(micros)
    text = moment.strftime("%H:%M:%S.%f")[:-3] if precise else moment.strftime("%H:%M:%S")
    return text if micros // DAY_US == now // DAY_US else f"{moment:%Y-%m-%d} {text}"  # a UTC day is 86,400 s


def iso(micros: int) -> str:
    """An epoch time in microseconds as ISO 8601 in UTC, to the millisecond: 2026-11-03T14:03:27.123Z."""
    return _utc(micros).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clock(micros: int | None, now: int, precise: bool = False) -> Markup:
    """A <time> element with the UTC clock time, which viewer.js rewrites in the reader's time zone."""
    if micros is None:
        return Markup("")
    form = "precise" if precise else "seconds"
    return Markup('<time datetime="{}" data-clock="{}">{} UTC</time>').format(
        iso(micros), form, clock_text(micros, now, precise)
    )


def moment(micros: int | None, now: int) -> Markup:
    """A clock time and how long ago it was: "14:03:27, 2 min ago"."""
    if micros is None:
        return Markup("")
    return clock(micros, now) + escape(f", {ago(micros, now)}")


def count(number: int, noun: str, plural: str | None = None) -> str:
    """ "1 trace", "2 traces", "0 traces"; `plural` for a noun that does not take an s."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
