"""Free text already stored loses the control characters core now refuses (issue 10).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# What doctorbook.core.base.text refuses, as a PostgreSQL regular expression: C0 and C1 controls,
# DEL, line and paragraph separators, bidi embeddings, overrides and isolates. NUL and lone
# surrogates can't be in a PostgreSQL text value at all, so C0 starts at U+0001.
REFUSED = r"[\u0001-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
# The same less the line feed, which multi-line fields keep.
REFUSED_MULTILINE = r"[\u0001-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
# A database in another encoding than UTF-8 can hold no character beyond it: ASCII ones only.
REFUSED_ASCII = r"[\u0001-\u001f\u007f]"
REFUSED_MULTILINE_ASCII = r"[\u0001-\u0009\u000b-\u001f\u007f]"

#: (table, column, what a NOT NULL column holds if nothing is left; None: the column is nullable)
SINGLE_LINE: tuple[tuple[str, str, str | None], ...] = (
    ("users", "name", "(no name)"),
    ("users", "phone", None),
    ("appointments", "reason", None),
    ("appointments", "cancel_reason", None),
    ("doctors", "clinic_name", None),
    ("doctors", "address", None),
    ("doctors", "city", None),
    ("doctor_requests", "name", "(no name)"),
    ("invites", "name", "(no name)"),
    ("schedule_exceptions", "reason", None),
    ("reviews", "hidden_reason", None),
    # Rendered from the names above: the outbox list shows them on the admin's terminal.
    ("email_outbox", "to_name", None),
    ("email_outbox", "subject", "(no subject)"),
)
MULTI_LINE: tuple[tuple[str, str, str | None], ...] = (
    ("doctors", "bio", None),
    ("doctor_requests", "message", None),
    ("reviews", "comment", None),
    # A note must be 1 to 10,000 characters (a check constraint).
    ("appointment_notes", "body", "(empty note)"),
)
# Left alone on purpose: e-mail addresses (a login identity under a unique constraint; core now
# refuses control characters in them), audit_log (append-only by a trigger: history is not
# rewritten), events (ids and counts only), specialties (below: the slug must follow the name).

# Single line: what separates lines or words (TAB, LF, VT, FF, CR; NEL, LS, PS where the
# encoding has them) becomes a space, the rest goes, spaces fold, the ends are trimmed.
SINGLE_LINE_CLEAN = (
    "btrim(regexp_replace(regexp_replace(translate({col}, :separators, :spaces), "
    ":pattern, '', 'g'), ' {{2,}}', ' ', 'g'))"
)
SEPARATORS = "\t\n\x0b\x0c\r\x85\u2028\u2029"
SEPARATORS_ASCII = "\t\n\x0b\x0c\r"
# Multi-line: CR LF and a lone CR become LF, a tab a space, the rest goes, ends trimmed.
MULTI_LINE_CLEAN = (
    "btrim(regexp_replace(translate(replace({col}, chr(13) || chr(10), chr(10)), "
    "chr(13) || chr(9), chr(10) || ' '), :pattern, '', 'g'), ' ' || chr(10))"
)

_PY_REFUSED = re.compile("[\x01-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _update(
    table: str, column: str, fallback: str | None, clean: str, params: dict[str, str]
) -> None:
    value = f"NULLIF({clean.format(col=column)}, '')"
    if fallback is not None:
        value = f"COALESCE({value}, :fallback)"
        params = {**params, "fallback": fallback}
    # Only rows holding a refused character change, so a second run finds none (idempotent).
    op.execute(
        sa.text(f"UPDATE {table} SET {column} = {value} WHERE {column} ~ :pattern")
        .bindparams(**params)
    )


def _clean_specialties(pattern: str) -> None:
    """Specialty names, and their slugs (the unique key lookups use) recomputed to match."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, name FROM specialties WHERE name ~ :p OR slug ~ :p ORDER BY id"),
        {"p": pattern},
    ).all()
    for specialty_id, name in rows:
        spaced = name.translate(dict.fromkeys(map(ord, SEPARATORS), " "))
        cleaned = " ".join(_PY_REFUSED.sub("", spaced).split())
        if len(cleaned) < 2 or not any(ch.isalpha() for ch in cleaned):
            cleaned = f"Specialty {specialty_id}"
        slug = "-".join(cleaned.lower().split())
        taken = conn.execute(
            sa.text("SELECT 1 FROM specialties WHERE slug = :slug AND id <> :id"),
            {"slug": slug, "id": specialty_id},
        ).first()
        if taken is not None:
            # Another specialty already has that name: keep both, told apart by the id.
            suffix = f" ({specialty_id})"
            cleaned = cleaned[: 100 - len(suffix)] + suffix
            slug = "-".join(cleaned.lower().split())
        conn.execute(
            sa.text("UPDATE specialties SET name = :name, slug = :slug WHERE id = :id"),
            {"name": cleaned, "slug": slug, "id": specialty_id},
        )


def upgrade() -> None:
    utf8 = op.get_bind().execute(sa.text("SHOW server_encoding")).scalar() == "UTF8"
    separators = SEPARATORS if utf8 else SEPARATORS_ASCII
    single = {"pattern": REFUSED if utf8 else REFUSED_ASCII, "separators": separators,
              "spaces": " " * len(separators)}
    multi = {"pattern": REFUSED_MULTILINE if utf8 else REFUSED_MULTILINE_ASCII}
    for table, column, fallback in SINGLE_LINE:
        _update(table, column, fallback, SINGLE_LINE_CLEAN, single)
    for table, column, fallback in MULTI_LINE:
        _update(table, column, fallback, MULTI_LINE_CLEAN, multi)
    _clean_specialties(single["pattern"])


def downgrade() -> None:
    # Nothing to undo: the characters removed were never meant to be stored, can't be told
    # back apart, and the previous code reads the cleaned text just as well.
    pass
