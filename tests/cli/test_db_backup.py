"""`db backup` / `db restore`: a backup brings back exactly its state, in one transaction."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from doctorbook.core import backup
from doctorbook.core.base import embedded, migrate
from doctorbook.core.base.db import make_engine
from doctorbook.core.base.settings import load_settings
from tests.cli.conftest import PW, Cli
from tests.conftest import _create_from_template, _db_url, _drop


def _logs_in(cli: Cli, email: str) -> bool:
    return cli("login", "--email", email, "--password-stdin", input=PW + "\n").exit_code == 0


def _register(cli: Cli, email: str) -> None:
    result = cli("register", "--email", email, "--name", email.split("@")[0].title(),
                 "--password-stdin", input=PW + "\n")
    assert result.exit_code == 0, result.output


def _backup(cli: Cli, *args: str, **env: str) -> Path:
    result = cli("db", "backup", *args, "--json", **env)
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["path"])


def test_a_restore_brings_back_the_backup_and_nothing_written_since(
    cli: Cli, tmp_path: Path
) -> None:
    _register(cli, "ann@example.com")
    folder = tmp_path / "backups"
    folder.mkdir()
    result = cli("db", "backup", str(folder))
    assert result.exit_code == 0, result.output
    head = migrate.head_revision()
    assert "backed up to" in result.stdout and f"migration {head}" in result.stdout
    [file] = folder.iterdir()
    assert file.name.startswith("doctorbook-") and file.name.endswith(".dump")
    # Personal data and password hashes: the owner's alone.
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    _register(cli, "bob@example.com")

    refused = cli("db", "restore", str(file))  # no terminal to ask, no --yes
    assert refused.exit_code == 2
    assert "pass --yes" in refused.stderr
    assert _logs_in(cli, "bob@example.com")

    result = cli("db", "restore", str(file), "--yes")
    assert result.exit_code == 0, result.output
    assert "restored" in result.stdout
    assert _logs_in(cli, "ann@example.com")
    assert not _logs_in(cli, "bob@example.com")
    status = cli("db", "status", "--json")
    assert '"up_to_date": true' in status.stdout


def test_a_backup_from_an_older_doctorbook_is_restored_and_migrated(
    cli: Cli, server_url: str, tmp_path: Path
) -> None:
    name = f"dbk_old_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    old_url = _db_url(server_url, name)
    try:
        engine = make_engine(old_url)
        migrate.upgrade(engine, "0005")
        engine.dispose()
        file = _backup(cli, str(tmp_path / "old.dump"), DOCTORBOOK_DATABASE_URL=old_url)
    finally:
        _drop(server_url, name)
    assert backup.read_revision(file) == "0005"

    result = cli("db", "restore", str(file), "--yes")
    assert result.exit_code == 0, result.output
    assert f"backup at migration 0005, now {migrate.head_revision()}" in result.stdout
    # The schema is this doctorbook's: registering and logging in (which need the tables of
    # migrations newer than the backup) work on the restored database.
    _register(cli, "new@example.com")
    assert _logs_in(cli, "new@example.com")


def test_a_truncated_backup_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    _register(cli, "ann@example.com")
    file = _backup(cli, str(tmp_path / "whole.dump"))
    _register(cli, "bob@example.com")
    data = file.read_bytes()
    cut = tmp_path / "cut.dump"
    # Half: pg_restore writes the schema and some rows, then fails mid-stream (a cut late
    # in the file loses nothing: pg_dump rewrites its table of contents at the end).
    cut.write_bytes(data[: len(data) // 2])

    result = cli("db", "restore", str(cut), "--yes")
    assert result.exit_code != 0
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert _logs_in(cli, "bob@example.com")  # written after the backup: still there
    assert _logs_in(cli, "ann@example.com")


@pytest.mark.parametrize("make", ["text", "missing", "directory", "newer"])
def test_files_that_are_not_our_backups_are_refused_before_anything(
    cli: Cli, tmp_path: Path, make: str, server_url: str
) -> None:
    _register(cli, "ann@example.com")
    path = tmp_path / "file.dump"
    if make == "text":
        path.write_text("root:x:0:0:root:/root:/bin/bash\n")
    elif make == "directory":
        path.mkdir()
    elif make == "newer":
        # A backup whose migration this doctorbook doesn't know (made by a newer one).
        name = f"dbk_newer_{os.getpid()}"
        url = _create_from_template(server_url, name)
        try:
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
            engine.dispose()
            path = _backup(cli, str(path), DOCTORBOOK_DATABASE_URL=url)
        finally:
            _drop(server_url, name)
    result = cli("db", "restore", str(path), "--yes")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    expected = {"text": "is not a doctorbook backup", "missing": "no such file",
                "directory": "is a directory", "newer": "made by a newer doctorbook"}[make]
    assert expected in result.stderr
    assert _logs_in(cli, "ann@example.com")


def test_a_restore_gives_up_cleanly_while_a_desk_holds_a_table(
    cli: Cli, fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(cli, "ann@example.com")
    file = _backup(cli, str(tmp_path / "b.dump"))
    _register(cli, "bob@example.com")
    monkeypatch.setattr(backup, "LOCK_TIMEOUT", "300ms")  # the real wait is 10 s
    desk = make_engine(fresh_db_url)
    with desk.connect() as conn:
        conn.execute(text("SELECT count(*) FROM users"))  # an open transaction reading users
        result = cli("db", "restore", str(file), "--yes")
    desk.dispose()
    assert result.exit_code == 1
    assert "the database is in use" in result.stderr and "nothing changed" in result.stderr
    assert _logs_in(cli, "bob@example.com")


def test_backups_into_a_directory_keep_the_newest_and_nothing_else_is_touched(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the operator's own file")
    (folder / "doctorbook-old-style.dump").write_text("not a name we made")
    made = [_backup(cli, str(folder), "--keep", "2") for _ in range(3)]  # all in one second
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(["notes.txt", "doctorbook-old-style.dump", made[1].name, made[2].name])
    assert cli("db", "backup", str(made[2])).exit_code == 1  # an existing file: --force
    assert cli("db", "backup", str(made[2]), "--force").exit_code == 0
    assert cli("db", "backup", str(made[2]), "--keep", "1").exit_code == 2  # a file, not a dir
    no_dir = cli("db", "backup", str(tmp_path / "nowhere" / "b.dump"))
    assert no_dir.exit_code == 2 and "no such directory" in no_dir.stderr
    assert not any(p.name.startswith(".") for p in folder.iterdir())  # no partial file left


@pytest.fixture
def embedded_home() -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="dbk-backup-"))
    yield home
    embedded.stop(home / "pgdata")
    shutil.rmtree(home, ignore_errors=True)


def test_the_embedded_database_round_trips_without_its_password_in_argv(
    cli: Cli, embedded_home: Path, tmp_path: Path
) -> None:
    env = {"DOCTORBOOK_DATABASE_URL": "", "DOCTORBOOK_HOME": str(embedded_home)}
    home = Cli(env={**cli.env, **env}, keyring=cli.keyring)
    assert cli("db", "start", **env).exit_code == 0
    _register(home, "ann@example.com")
    file = _backup(cli, str(tmp_path / "e.dump"), **env)
    _register(home, "bob@example.com")
    result = cli("db", "restore", str(file), "--yes", **env)
    assert result.exit_code == 0, result.output
    assert _logs_in(home, "ann@example.com")
    assert not _logs_in(home, "bob@example.com")
    settings = load_settings({"DOCTORBOOK_HOME": str(embedded_home)})
    where = backup.target(settings)
    # pg_dump and psql get it in their environment: argv is readable by every local user.
    assert where.password and where.password not in where.conninfo


HOSTILE_NAMES = ["\x1b[2Jgone", "\x1b]52;c;aGk=\x07", "[bold]x[/]", "a\rb", "x" * 300]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_paths_come_back_printable_in_one_line(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    for args in (["db", "restore", str(tmp_path / name), "--yes"],
                 ["db", "backup", str(tmp_path / name / "b.dump")]):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert "\x1b" not in result.stderr and "\r" not in result.stderr
        assert result.stderr.count("error:") == 1
