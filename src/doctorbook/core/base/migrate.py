"""Alembic, driven from code: upgrade to head and report the current/head revisions."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from doctorbook.core.base.db import current_revision

if TYPE_CHECKING:
    from sqlalchemy import Engine


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("doctorbook.migrations")))
    if engine is not None:
        # Alembic interpolates %; the URL may carry %-escapes.
        url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations inside one connection; a lock serialises concurrent upgraders."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        # Two commands migrating a fresh database at once must not both create the tables.
        conn.execute(text("SELECT pg_advisory_xact_lock(7263541)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> frozenset[str]:
    """Every migration this doctorbook has: a backup at any of them can be restored."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def status(engine: Engine) -> SchemaStatus:
    return SchemaStatus(current=current_revision(engine), head=head_revision())
