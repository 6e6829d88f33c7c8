"""The migrations are the schema: they match the models and the code knows their head."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateTable

from doctorbook.core.base import db, migrate
from doctorbook.core.base.errors import SchemaOutOfDate
from doctorbook.core.base.models import Base
from doctorbook.core.base.settings import Settings


@pytest.fixture
def empty_engine(server_url: str) -> Iterator[Engine]:
    """A database with nothing in it, not even the template's tables."""
    name = f"dbk_empty_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _diff(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def test_code_expects_the_head_revision() -> None:
    assert migrate.head_revision() == db.SCHEMA_REVISION


def test_upgrade_head_matches_the_models(engine: Engine) -> None:
    assert db.current_revision(engine) == migrate.head_revision()
    assert _diff(engine) == []


def test_upgrading_an_empty_database_twice_is_harmless(empty_engine: Engine) -> None:
    assert migrate.status(empty_engine).current is None
    assert not migrate.status(empty_engine).up_to_date

    migrate.upgrade(empty_engine)
    migrate.upgrade(empty_engine)

    status = migrate.status(empty_engine)
    assert status.up_to_date
    assert status.current == db.SCHEMA_REVISION
    assert _diff(empty_engine) == []


def test_an_external_database_behind_the_code_is_refused_not_migrated(
    empty_engine: Engine, tmp_path: Path
) -> None:
    url = empty_engine.url.render_as_string(hide_password=False)
    settings = Settings(home=tmp_path, config_dir=tmp_path, database_url=url)

    with pytest.raises(SchemaOutOfDate, match="doctorbook db upgrade"):
        db.open_database(settings)
    assert db.current_revision(empty_engine) is None
    assert inspect(empty_engine).get_table_names() == []


def test_an_up_to_date_external_database_opens(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    database = db.open_database(
        Settings(home=tmp_path, config_dir=tmp_path, database_url=url)
    )
    try:
        with database.unit_of_work() as uow:
            assert uow.session.execute(text("SELECT count(*) FROM users")).scalar() is not None
    finally:
        database.dispose()


def _model_constraint_names() -> set[str]:
    names: set[str] = set()
    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=postgresql.dialect()))
        names |= set(re.findall(r"CONSTRAINT (\w+)", ddl))
    return names


def test_constraints_follow_the_naming_convention(engine: Engine) -> None:
    with engine.connect() as conn:
        in_db = set(conn.execute(text(
            "SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE n.nspname = 'public' AND t.relname <> 'alembic_version' "
            "AND c.contype <> 'n'"  # PostgreSQL 18 lists NOT NULL as constraints too
        )).scalars())

    for expected in ("uq_users_email", "pk_users", "ck_users_email_lowercase",
                     "ck_users_role_known", "fk_sessions_user_id_users",
                     "uq_sessions_access_hash", "uq_sessions_refresh_hash",
                     "fk_audit_log_actor_id_users", "ck_appointments_ends_after_start"):
        assert expected in in_db, expected
    # Every constraint the models name exists under that name, and the migrations add none
    # the models don't know about.
    assert in_db == _model_constraint_names()
    for name in in_db:
        assert re.match(r"(pk|uq|ck|fk|ix|ex)_", name), name
