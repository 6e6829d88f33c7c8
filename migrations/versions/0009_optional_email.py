"""Walk-ins without an e-mail address: users.email optional for patients known by phone or
date of birth (issue 13, item 6).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Staff and doctors sign in by e-mail, so they always have one; a patient without one must be
# findable by the desk some other way. `email = lower(email)` is NULL (so passes) for no e-mail,
# and the unique constraint lets any number of NULLs coexist.
CONTACT_CHECK = (
    "email IS NOT NULL OR (role = 'patient' AND (phone IS NOT NULL OR date_of_birth IS NOT NULL))"
)


#: What a downgrade writes for a walk-in without an e-mail (.invalid: no mail can go there).
PLACEHOLDER_SQL = "'walk-in-' || id || '@invalid'"


def upgrade() -> None:
    op.alter_column("users", "email", existing_type=sa.String(254), nullable=True)
    # Back from a downgrade: the placeholders are walk-ins without an e-mail again.
    op.execute(f"UPDATE users SET email = NULL WHERE email = {PLACEHOLDER_SQL} "
               "AND role = 'patient' AND (phone IS NOT NULL OR date_of_birth IS NOT NULL)")
    op.create_check_constraint(op.f("ck_users_email_or_walk_in"), "users", CONTACT_CHECK)


def downgrade() -> None:
    op.drop_constraint(op.f("ck_users_email_or_walk_in"), "users", type_="check")
    # Walk-ins get a placeholder the clinic can't mail to, so the NOT NULL can come back.
    op.execute(f"UPDATE users SET email = {PLACEHOLDER_SQL} WHERE email IS NULL")
    op.alter_column("users", "email", existing_type=sa.String(254), nullable=False)
