"""Times as people read them."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Every time a post can hold lies in this window. A row outside it (written by SQL, or by an older version
# that stored 9999-12-31 in America/Los_Angeles as the year 10000) cannot be read back: psycopg refuses a
# year past 9999 and SQLite's converter returns None. Readers filter on it in SQL before any value is loaded
# (on SQLite the text "10000-…" sorts before "2000-", so it falls out as well).
READABLE_FROM = datetime(2000, 1, 1, tzinfo=UTC)
READABLE_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


def local_time(when: datetime, tz_name: str) -> str:
    """A time in a time zone, in a human format: "Wed 2 Dec 2026 15:00 CET"."""
    local = when.astimezone(ZoneInfo(tz_name))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"
