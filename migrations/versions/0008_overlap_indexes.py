"""Indexes for what overlaps a period: bookings by resource or structure, by the end of their time.

Every booking check asks for the active bookings of a resource with `start_at < end AND blocked_until >
start`, and every quota check for those of a structure with `start_at < end AND end_at > start` (or
`end_at > now`). On SQLite (for resources PostgreSQL has the GiST index of migration 0002) the only
indexes bounded `start_at < end` or nothing at all, so each check read every earlier booking of the
resource or structure, and so did the stock trigger at each insert: with 20,000 past bookings of one
room, a booking request cost 12.3-12.8 ms of CPU instead of 4.6-5.5 (docs/performance.md, "A resource
with a long history"). Ordered by the end, the indexes stop at the bookings still holding time after the
start: the history is skipped and only bookings to come are read. SQLite's planner picks them for
overlaps and keeps ix_bookings_resource_time for ranges of starts (the trigger's second half), without
statistics; tests/services/test_booking_history_index.py checks both, and counts SQLite's steps.

Revision ID: 0008_overlap_indexes
Revises: 0007_outgoing_mails
Create Date: 2026-12-07 01:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_overlap_indexes'
down_revision = '0007_outgoing_mails'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_bookings_resource_until', 'bookings', ['resource_id', 'blocked_until', 'start_at'])
    op.create_index('ix_bookings_structure_until', 'bookings', ['structure_id', 'end_at', 'start_at'])


def downgrade():
    op.drop_index('ix_bookings_structure_until', table_name='bookings')
    op.drop_index('ix_bookings_resource_until', table_name='bookings')
