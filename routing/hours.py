"""Office hours: pure helpers over a team's weekly schedule."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours) % 24, int(minutes)) if hhmm != "24:00" else time(23, 59, 59)


def _is_clock_time(hhmm: object) -> bool:
    """"09:00", "23:59", "24:00"; not "25:00" or "9:75" (which _parse would wrap round to another hour)."""
    if not isinstance(hhmm, str) or hhmm.count(":") != 1:
        return False
    hours, minutes = hhmm.split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return False
    return hhmm == "24:00" or (int(hours) < 24 and int(minutes) < 60)


def validate_weekly(weekly: dict) -> list[str]:
    """Problems with a weekly schedule, as readable strings (empty list: valid)."""
    problems = []
    if not isinstance(weekly, dict):
        return ["must be an object of day -> [[start, end], ...]"]
    for day, spans in weekly.items():
        if day not in DAYS:
            problems.append(f"{day}: unknown day (use {', '.join(DAYS)})")
            continue
        if not isinstance(spans, list):
            problems.append(f"{day}: must be a list of [start, end] pairs")
            continue
        for span in spans:
            try:
                start, end = span
                wrong = [t for t in (start, end) if not _is_clock_time(t)]
                if wrong:
                    problems.append(f"{day}: {wrong[0]} is not a time of day (00:00 to 24:00)")
                elif _parse(start) >= _parse(end):
                    problems.append(f"{day}: {start}-{end} ends before it starts")
            except (TypeError, ValueError):
                problems.append(f"{day}: {span!r} is not [\"HH:MM\", \"HH:MM\"]")
    return problems


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_open(weekly: dict, tz: str, now: datetime) -> bool:
    """Empty schedule means always open; so does one that cannot be read (validate_weekly): a handoff is never
    stopped by a malformed value stored before it was checked."""
    if not weekly or validate_weekly(weekly):
        return True
    local = now.astimezone(zone(tz))
    for start, end in weekly.get(DAYS[local.weekday()], []):
        if _parse(start) <= local.time() < _parse(end):
            return True
    return False


def next_opening(weekly: dict, tz: str, now: datetime) -> datetime | None:
    """When the schedule next opens (now if open); None if it never opens."""
    if is_open(weekly, tz, now):
        return now
    local = now.astimezone(zone(tz))
    for offset in range(0, 8):
        day = local + timedelta(days=offset)
        for start, _end in sorted(weekly.get(DAYS[day.weekday()], [])):
            opening = datetime.combine(day.date(), _parse(start), tzinfo=local.tzinfo)
            if opening > local:
                return opening
    return None
