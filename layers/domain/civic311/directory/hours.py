"""Opening hours beyond `Resource.is_open`: the next opening, the week as minute ranges, and hours as text."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta, timezone

from civic311.models.resource import MINUTES_PER_DAY, Resource, Window
from civic311.models.vocabulary import WEEKDAYS

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
# Monthly windows open at least once in five weeks; seasonal ones may start later, which is beyond a referral.
_SEARCH_DAYS = 40

_DAY_NAMES = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
_AROUND_THE_CLOCK = {"en": "Open 24 hours, every day", "es": "Abierto las 24 horas, todos los días"}
_EVERY_DAY = {"en": "Every day", "es": "Todos los días"}
_SOME_WEEKS = {"en": "some weeks", "es": "algunas semanas"}
_NO_HOURS = {"en": "Hours not listed", "es": "Horario no indicado"}


def local_time(resource: Resource, at: datetime) -> datetime:
    """The aware moment `at` at the resource's fixed UTC offset."""
    return at.astimezone(timezone(timedelta(hours=resource.utc_offset_hours)))


def next_opening(resource: Resource, at: datetime) -> datetime | None:
    """When the resource next opens after `at` (None if open now or not within the next weeks)."""
    if resource.is_open(at):
        return None
    local = local_time(resource, at)
    tz = local.tzinfo
    soonest: datetime | None = None
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        for window in resource.schedules:
            if not window.opens_on(day):
                continue
            start = datetime.combine(day, time(), tzinfo=tz) + timedelta(minutes=window.opens)
            if start > local and (soonest is None or start < soonest):
                soonest = start
        if soonest is not None:
            # Later days cannot open earlier than a window found on this one.
            return soonest
    return None


def week_ranges(window: Window) -> list[tuple[int, int]]:
    """The minutes of the week (Monday 00:00 = 0) the window covers in a week it opens, wrapped at Sunday night."""
    ranges: list[tuple[int, int]] = []
    for day in window.days:
        start = WEEKDAYS.index(day) * MINUTES_PER_DAY + window.opens
        length = window.closes - window.opens + (MINUTES_PER_DAY if window.overnight else 0)
        end = start + length
        if end <= MINUTES_PER_WEEK:
            ranges.append((start, end))
        else:
            ranges += [(start, MINUTES_PER_WEEK), (0, end - MINUTES_PER_WEEK)]
    return ranges


def is_every_week(window: Window) -> bool:
    """True when the window opens on its days every week of the year (no monthly or seasonal limit)."""
    return not window.weeks_of_month and window.starts_on is None and window.ends_on is None


def minute_of_week(moment: datetime) -> int:
    """Minutes since Monday 00:00 of a (local) moment."""
    return moment.weekday() * MINUTES_PER_DAY + moment.hour * 60 + moment.minute


def hours_text(windows: Iterable[Window], language: str = "en") -> str:
    """Opening hours in a few words, e.g. 'Mon–Fri 08:00–16:00; Sat 09:00–13:00'."""
    lang = language if language in _DAY_NAMES else "en"
    windows = tuple(windows)
    if not windows:
        return _NO_HOURS[lang]
    full_days = {
        day for w in windows if w.opens == 0 and w.closes == MINUTES_PER_DAY and is_every_week(w) for day in w.days
    }
    if full_days == set(WEEKDAYS):
        return _AROUND_THE_CLOCK[lang]
    parts = []
    for window in sorted(windows, key=lambda w: (WEEKDAYS.index(w.days[0]), w.opens)):
        text = f"{_day_runs(window.days, lang)} {_clock(window.opens)}–{_clock(window.closes)}"
        if window.weeks_of_month:
            text += f" ({_SOME_WEEKS[lang]})"
        parts.append(text)
    return "; ".join(parts)


def _clock(minutes: int) -> str:
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_runs(days: Iterable[str], language: str) -> str:
    names = _DAY_NAMES[language]
    indexes = sorted(WEEKDAYS.index(day) for day in days)
    if len(indexes) == len(WEEKDAYS):
        return _EVERY_DAY[language]
    runs: list[list[int]] = []
    for index in indexes:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    words = []
    for run in runs:
        if len(run) > 2:
            words.append(f"{names[run[0]]}–{names[run[-1]]}")
        else:
            words += [names[index] for index in run]
    return ", ".join(words)
