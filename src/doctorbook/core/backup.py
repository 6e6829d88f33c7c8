"""Backups: the whole database out with pg_dump, and back in within one transaction."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy.engine import URL, make_url

from doctorbook.core.base import embedded, migrate
from doctorbook.core.base.db import make_engine, normalise_url
from doctorbook.core.base.errors import (
    Conflict,
    DatabaseUnavailable,
    DoctorbookError,
    ValidationError,
)

if TYPE_CHECKING:
    from doctorbook.core.base.settings import Settings

#: pg_dump's custom format starts with these bytes.
MAGIC = b"PGDMP"
#: `db backup DIR` names its files so that their names sort by time.
FILE_PREFIX = "doctorbook-"
FILE_SUFFIX = ".dump"
_BACKUP_NAME = re.compile(r"^doctorbook-(\d{8}-\d{6})(?:-(\d+))?\.dump$")
#: A restore waits this long for a desk or the dispatcher to let go of a table, then gives up.
LOCK_TIMEOUT = "10s"
_CHUNK = 1 << 20


class RestoreFailed(DoctorbookError):
    """pg_restore or psql refused the backup; the transaction was rolled back (code
    `unavailable`, the base's: the server refused, not the caller)."""


@dataclass(frozen=True)
class Target:
    """Where pg_dump and psql connect: a libpq conninfo without the password, and the password
    apart, for the environment (never argv, which every local user can read)."""

    conninfo: str
    password: str | None = field(repr=False)
    label: str

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    revision: str
    removed: tuple[Path, ...]


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    revision: str
    head: str
    database: str


def target(settings: Settings) -> Target:
    """The configured database (starting the embedded server if that is the one)."""
    if settings.database_url:
        url = make_url(normalise_url(settings.database_url))
        params: dict[str, str] = {str(k): str(v) for k, v in url.query.items()
                                  if isinstance(v, str)}
        if url.host:
            params["host"] = url.host
        if url.port:
            params["port"] = str(url.port)
        if url.username:
            params["user"] = url.username
        if url.database:
            params["dbname"] = url.database
        where = params.get("host", "local socket")
        label = f"the external database {params.get('dbname', '?')} on {where}"
        return Target(make_conninfo("", **params), url.password and str(url.password), label)
    server = embedded.ensure_running(settings.pgdata)
    conninfo = make_conninfo("", host=str(server.socket_dir), port=str(server.port),
                             user=embedded.SUPERUSER, dbname=embedded.DATABASE_NAME)
    return Target(conninfo, server.password, f"the embedded database in {settings.pgdata}")


def backup(
    settings: Settings, path: Path, *, now: datetime, keep: int | None = None,
    force: bool = False,
) -> BackupReport:
    """Write the whole database to `path` (a file, or a directory to name one in), 0600.

    The file appears complete or not at all: pg_dump writes a hidden file beside it, renamed
    into place once synced. In a directory, `keep` then removes all but the newest backups."""
    try:
        into_directory = path.is_dir()
        if keep is not None and (not into_directory or keep < 1):
            raise ValidationError(
                "--keep needs a directory to back up into, and a count of 1 or more")
        if into_directory:
            path = _free_name(path, now)
        elif path.exists() and not force:
            raise Conflict(f"{path} already exists; pass --force to replace it")
        elif not path.parent.is_dir():
            raise ValidationError(f"no such directory: {path.parent}")
    except OSError as exc:  # a name too long, a directory we may not look into
        raise ValidationError(f"cannot write {path}: {exc.strerror}") from None
    where = target(settings)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as out:
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--dbname={where.conninfo}"], where, stdout=out)
            out.flush()
            os.fsync(out.fileno())
        revision = read_revision(partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)
    removed = _prune(path.parent, keep) if keep is not None else ()
    return BackupReport(path=path, size=path.stat().st_size, revision=revision, removed=removed)


def read_revision(path: Path) -> str:
    """The migration a backup was taken at; refuses a file that is not a doctorbook backup."""
    try:
        with path.open("rb") as file:
            magic = file.read(len(MAGIC))
    except FileNotFoundError:
        raise ValidationError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ValidationError(f"{path} is a directory, not a backup") from None
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
    if magic != MAGIC:
        raise ValidationError(f"{path} is not a doctorbook backup (made by `doctorbook db backup`)")
    script = _output(["pg_restore", "--data-only", "--table=alembic_version", "--file=-",
                      str(path)], what=f"{path} is not a readable backup")
    rows = re.search(r"^COPY public\.alembic_version .*? FROM stdin;\n(.*?)^\\\.$", script,
                     re.MULTILINE | re.DOTALL)
    revisions = rows.group(1).split() if rows else []
    if len(revisions) != 1:
        raise ValidationError(f"{path} is not a doctorbook backup (no migration revision in it)")
    return revisions[0]


def restore(settings: Settings, path: Path) -> RestoreReport:
    """Replace every record of the configured database with the backup's, in one transaction,
    then bring its schema up to this doctorbook's migrations.

    psql runs the backup between our own BEGIN and COMMIT: if pg_restore stops half-way, or any
    statement fails, the COMMIT is never sent and the database is as it was."""
    revision = read_revision(path)
    if revision not in migrate.known_revisions():
        raise ValidationError(
            f"{path} was made by a newer doctorbook (migration {revision}); "
            "install that version to restore it"
        )
    where = target(settings)
    _restore_into(where, path)
    engine = make_engine(_sqlalchemy_url(where))
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return RestoreReport(path=path, revision=revision, head=migrate.head_revision(),
                         database=where.label)


def _restore_into(where: Target, path: Path) -> None:
    preamble = (
        "BEGIN;\n"
        "SET client_min_messages = warning;\n"
        f"SET lock_timeout = '{LOCK_TIMEOUT}';\n"
        # Everything of ours lives in `public`: tables a newer schema added go too.
        "DROP SCHEMA public CASCADE;\n"
        "CREATE SCHEMA public;\n"
    )
    env = where.environment()
    with tempfile.TemporaryFile() as dump_err, tempfile.TemporaryFile() as psql_err:
        psql = subprocess.Popen(  # noqa: S603
            [str(_program("psql")), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
             f"--dbname={where.conninfo}"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err, env=env,
        )
        dump = subprocess.Popen(  # noqa: S603
            [str(_program("pg_restore")), "--clean", "--if-exists", "--no-owner",
             "--no-privileges", "--file=-", str(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=dump_err, env=env,
        )
        assert psql.stdin is not None and dump.stdout is not None
        complete = False
        try:
            psql.stdin.write(preamble.encode())
            while chunk := dump.stdout.read(_CHUNK):
                psql.stdin.write(chunk)
            complete = dump.wait() == 0
            if complete:
                psql.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error: its message says which
        finally:
            if dump.poll() is None:
                dump.kill()
            dump.wait()
            dump.stdout.close()
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()
            psql_code = psql.wait()
        if not complete:
            raise RestoreFailed(f"restore failed, nothing changed: {_last_line(dump_err)}")
        if psql_code != 0:
            problem = _last_line(psql_err)
            if "lock timeout" in problem:
                problem = ("the database is in use; stop the dispatcher, kiosks and desks "
                           "and try again")
            raise RestoreFailed(f"restore failed, nothing changed: {problem}")


def _sqlalchemy_url(where: Target) -> str:
    params = {k: str(v) for k, v in conninfo_to_dict(where.conninfo).items() if v is not None}
    return URL.create(
        "postgresql+psycopg", username=params.pop("user", None), password=where.password,
        database=params.pop("dbname", None), query=params,
    ).render_as_string(hide_password=False)


def _free_name(directory: Path, now: datetime) -> Path:
    stem = f"{FILE_PREFIX}{now:%Y%m%d-%H%M%S}"
    path = directory / f"{stem}{FILE_SUFFIX}"
    counter = 1
    while path.exists():  # two backups within one second
        path = directory / f"{stem}-{counter}{FILE_SUFFIX}"
        counter += 1
    return path


def _prune(directory: Path, keep: int) -> tuple[Path, ...]:
    """Remove all but the newest `keep` backups this command named (nothing else in there)."""
    ours: list[tuple[str, int, Path]] = []
    for path in directory.iterdir():
        if (name := _BACKUP_NAME.match(path.name)) and path.is_file():
            ours.append((name.group(1), int(name.group(2) or 0), path))
    old = [path for *_, path in sorted(ours)[:-keep]]
    for path in old:
        path.unlink(missing_ok=True)
    return tuple(old)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _program(name: str) -> Path:
    """The embedded server's own client programs: the same major version as its server, and
    new enough for any external server we support (pg_dump reads older servers too)."""
    return embedded.program(name)


def _run(args: Sequence[str], where: Target, *, stdout: IO[bytes]) -> None:
    with tempfile.TemporaryFile() as err:
        result = subprocess.run(  # noqa: S603
            [str(_program(args[0])), *args[1:]], stdin=subprocess.DEVNULL, stdout=stdout,
            stderr=err, env=where.environment(), check=False,
        )
        if result.returncode != 0:
            raise DatabaseUnavailable(f"{args[0]} failed: {_last_line(err)}")


def _output(args: Sequence[str], *, what: str) -> str:
    result = subprocess.run(  # noqa: S603
        [str(_program(args[0])), *args[1:]], stdin=subprocess.DEVNULL, capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise ValidationError(what)
    return result.stdout.decode("utf-8", "replace")


def _last_line(stream: IO[bytes]) -> str:
    stream.seek(0)
    lines = [line.strip() for line in stream.read().decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else "no message"
