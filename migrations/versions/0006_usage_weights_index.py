"""An index for usage allocation keys: confirmed bookings by the end of the time they hold.

A charge split by hours or kilometres used sums the confirmed bookings overlapping the months it covers
(services/key_weights.py). The only time index so far, ix_bookings_resource_time, bounds start_at from
above, so the sum read every earlier booking of each resource: twelve months of history made a month's
sum ten times slower on SQLite. Bookings end before they stop holding time (blocked_until >= end_at), so
`blocked_until > start of the period` cuts the history off (SQLite, a month of 50,000 bookings after
eleven months of history: 840 ms before, 40 ms with it, as without history). Partial, confirmed only: the
booking checks ask for pending and confirmed bookings, so they cannot pick it instead of their own index;
`status` leads so that SQLite's planner, without statistics, prefers it to a range on the resources.

Revision ID: 0006_usage_weights_index
Revises: 0005_feeds
Create Date: 2026-12-06 20:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_usage_weights_index'
down_revision = '0005_feeds'
branch_labels = None
depends_on = None


def upgrade():
    # Same statement on both databases: PostgreSQL and SQLite (3.8+) both know partial indexes.
    op.execute("CREATE INDEX ix_bookings_confirmed_until ON bookings (status, blocked_until) "
               "WHERE status = 'confirmed'")


def downgrade():
    op.execute("DROP INDEX ix_bookings_confirmed_until")
