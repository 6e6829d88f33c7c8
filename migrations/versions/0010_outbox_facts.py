"""Outbox rows hold facts, the dispatcher renders; reminders derived, not queued (issue 14).

A row now keeps the template's name and a small JSON of facts; subject and bodies stay only for
rows queued before this revision (still sendable as they are) and for blanked or erased ones.
Reminders get one key per (visit, lead), `reminder:<appointment id>:<24h|2h>`, which the
dispatcher's derivation uses; the reminder rows already queued take those keys, so a visit
never gets a derived reminder next to its old one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The lead of an old reminder from its time: it was queued for start - 24 h or start - 2 h
# (retries move it by minutes, never by 22 hours). One row per (visit, lead) takes the key.
REKEY_REMINDERS = """
UPDATE email_outbox AS o SET idempotency_key = k.key
FROM (
    SELECT o2.id, 'reminder:' || a.id || ':'
           || CASE WHEN o2.next_attempt_at >= a.starts_at - interval '2 hours' THEN '2h'
                   ELSE '24h' END AS key,
           row_number() OVER (
               PARTITION BY a.id, o2.next_attempt_at >= a.starts_at - interval '2 hours'
               ORDER BY o2.id) AS n
    FROM email_outbox AS o2
    JOIN appointments AS a ON a.id = CAST(o2.entity_id AS bigint)
    WHERE o2.kind = 'appointment_reminder' AND o2.entity_kind = 'appointment'
) AS k
WHERE o.id = k.id AND k.n = 1
"""

# Back to stored words: a row queued as facts can't be rendered by the older code.
DOWNGRADE_FACTS = """
UPDATE email_outbox SET
    subject = COALESCE(subject, kind),
    text_body = COALESCE(text_body, '[queued as facts: not sendable after a downgrade]'),
    status = CASE WHEN text_body IS NULL AND status IN ('pending', 'sending') THEN 'cancelled'
                  ELSE status END
"""


def upgrade() -> None:
    op.add_column("email_outbox", sa.Column("template", sa.String(60), nullable=True))
    op.add_column("email_outbox", sa.Column("facts", postgresql.JSONB(), nullable=True))
    op.alter_column("email_outbox", "subject", existing_type=sa.Text(), nullable=True)
    op.alter_column("email_outbox", "text_body", existing_type=sa.Text(), nullable=True)
    op.execute(REKEY_REMINDERS)


def downgrade() -> None:
    op.execute(DOWNGRADE_FACTS)
    op.alter_column("email_outbox", "text_body", existing_type=sa.Text(), nullable=False)
    op.alter_column("email_outbox", "subject", existing_type=sa.Text(), nullable=False)
    op.drop_column("email_outbox", "facts")
    op.drop_column("email_outbox", "template")
