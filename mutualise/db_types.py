"""Column types shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

# Execution option (and connection.info key): begin this SQLite transaction IMMEDIATE, see create_app.
SQLITE_IMMEDIATE = "sqlite_immediate"
# connection.info key: the connection's total_changes when its SQLite transaction began (create_app).
SQLITE_CHANGES_AT_BEGIN = "sqlite_changes_at_begin"


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC (invariant 5).

    PostgreSQL keeps it as timestamptz; SQLite has no time zones, so it stores naive UTC and we put the
    zone back on the way out. A naive datetime is refused: it would be ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
