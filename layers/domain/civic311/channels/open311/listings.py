"""What the public listings (the request search and the updates feed) share: the period asked and its bound,
the cap on results, and the link to the next page."""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools.event_handler import Response

from civic311 import clock
from civic311.channels.open311.calls import PREFIX
from civic311.errors import InvalidInput

MAX_RANGE = timedelta(days=90)
MAX_RESULTS = 1000


def date_range(start_date: str | None, end_date: str | None, default_span: timedelta) -> tuple[datetime, datetime]:
    """The asked range (the spec's rules: end defaults to now, at most 90 days)."""
    return clock.asked_period(start_date, end_date, ("start_date", "end_date"), default_span, MAX_RANGE)


def check_span(start: datetime, end: datetime) -> None:
    """A page token's period is one this API could have issued: at most 90 days."""
    if end - start > MAX_RANGE:
        raise InvalidInput("page_token is not valid: send back the token a previous answer gave, unchanged")


def link_next(answer: Response[str], path: str, token: str, page_size: int | None) -> None:
    """Point the client at the next page: the token, and the RFC 8288 link that asks for it."""
    query = f"page_token={token}" + (f"&page_size={page_size}" if page_size else "")
    answer.headers["X-Next-Page-Token"] = token
    answer.headers["Link"] = f'<{PREFIX}/{path}?{query}>; rel="next"'
