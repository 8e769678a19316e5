"""The schema the migrations build is the one the models describe, so a model change without its
migration (or the reverse) fails here rather than in production."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mutualise.extensions import db

# Written by hand in the migrations and unknown to the models on purpose: PostgreSQL's exclusion
# constraint and GiST index on booking periods (expressions SQLAlchemy cannot compare).
HAND_WRITTEN = {"ix_bookings_period"}


def _named(difference) -> str | None:
    for part in difference if isinstance(difference, tuple) else difference[0]:
        name = getattr(part, "name", None)
        if name:
            return name
    return None


def test_the_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    unexpected = [d for d in differences if _named(d) not in HAND_WRITTEN]
    assert unexpected == []
