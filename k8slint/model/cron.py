"""CronJob schedules as the API server parses them.

batch ``validateScheduleFormat`` calls ``cron.ParseStandard`` of github.com/robfig/cron/v3: five
fields (minute, hour, day of month, month, day of week) or a descriptor (``@daily``,
``@every 1h30m``). :func:`schedule_problem` follows its ``Parse``, ``getField``, ``getRange`` and
``parseDescriptor`` and answers with its error text, or None for a schedule it accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = {
    name: number for number, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_DAYS = {name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
# time.ParseDuration: a sequence of decimal numbers, each with a unit.
_DURATION = re.compile(r"[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+|[-+]?0")
_INTEGER = re.compile(r"[-+]?[0-9]+")


@dataclass(frozen=True, slots=True)
class _Bounds:
    low: int
    high: int
    names: dict[str, int] | None = None


# robfig/cron v3 minutes, hours, dom, months, dow (day of week 0-6: 7 is refused).
_FIELDS = (_Bounds(0, 59), _Bounds(0, 23), _Bounds(1, 31), _Bounds(1, 12, _MONTHS), _Bounds(0, 6, _DAYS))


class _Refused(Exception):
    pass


def _number(text: str, bounds: _Bounds) -> int:
    """parseIntOrName / mustParseInt."""
    if bounds.names is not None and text.lower() in bounds.names:
        return bounds.names[text.lower()]
    if not _INTEGER.fullmatch(text):
        raise _Refused(f"failed to parse int from {text}: strconv.Atoi: parsing {text!r}: invalid syntax")
    value = int(text)
    if value < 0:
        raise _Refused(f"negative number ({value}) not allowed: {text}")
    return value


def _range(expr: str, bounds: _Bounds) -> None:
    """getRange: ``*``, ``?``, ``n``, ``a-b``, each with an optional ``/step``."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    if low_and_high[0] in ("*", "?"):
        start, end = bounds.low, bounds.high
    else:
        start = _number(low_and_high[0], bounds)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _number(low_and_high[1], bounds)
        else:
            raise _Refused(f"too many hyphens: {expr}")
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], _Bounds(0, 0))
        if single:
            end = bounds.high
    elif len(range_and_step) > 2:
        raise _Refused(f"too many slashes: {expr}")
    if start < bounds.low:
        raise _Refused(f"beginning of range ({start}) below minimum ({bounds.low}): {expr}")
    if end > bounds.high:
        raise _Refused(f"end of range ({end}) above maximum ({bounds.high}): {expr}")
    if start > end:
        raise _Refused(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _Refused(f"step of range should be a positive number: {expr}")


def schedule_problem(schedule: str) -> str | None:
    """Why ``cron.ParseStandard`` refuses ``schedule`` (a leading ``TZ=``/``CRON_TZ=`` already taken off)."""
    if not schedule:
        return "empty spec string"
    if schedule.startswith("@"):
        if schedule in DESCRIPTORS:
            return None
        if schedule.startswith("@every "):
            duration = schedule.removeprefix("@every ")
            return None if _DURATION.fullmatch(duration) else f"failed to parse duration {schedule}: time: invalid duration {duration!r}"
        return f"unrecognized descriptor: {schedule}"
    fields = schedule.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    try:
        for text, bounds in zip(fields, _FIELDS, strict=True):
            for expr in text.split(","):
                _range(expr, bounds)
    except _Refused as refused:
        return str(refused)
    return None
