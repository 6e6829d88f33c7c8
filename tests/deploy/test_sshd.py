"""The desk's SSH set-up, tried: a real sshd running deploy/sshd/doctorbook-desk.conf, and a real
ssh client in a pseudo-terminal seeing what a receptionist would see."""

from __future__ import annotations

import getpass
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from tests.conftest import PASSWORD, make_user
from tests.tui.test_terminal import ESCAPES, Terminal, log_in

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DROP_IN = DEPLOY / "sshd" / "doctorbook-desk.conf"
SSHD = Path("/usr/sbin/sshd")
#: The options deploy/README.md puts before every key in /etc/doctorbook/desk_keys.
KEY_OPTIONS = "restrict,pty"
#: The recipe's paths, and what each becomes here.
RECIPE_USER = "Match User doctorbook"
RECIPE_HOME = "/var/lib/doctorbook"
RECIPE_SCRIPT = "/usr/local/bin/doctorbook"
RECIPE_KEYS = "/etc/doctorbook/desk_keys"

pytestmark = pytest.mark.skipif(
    not (SSHD.exists() and shutil.which("ssh") and shutil.which("ssh-keygen")),
    reason="needs OpenSSH's server and client (/usr/sbin/sshd, ssh, ssh-keygen): "
           "apt-get install openssh-server openssh-client",
)


@dataclass(frozen=True)
class Desk:
    """A running sshd with the recipe's drop-in, and what a desk needs to reach it."""

    port: int
    user: str
    #: A desk's key, with the recipe's options in the keys file.
    key: Path
    #: A key pasted into the keys file without them: sshd's drop-in alone must still hold.
    bare_key: Path
    home: Path

    def ssh(self, *args: str, key: Path | None = None) -> list[str]:
        """An ssh command line for this desk: options and forwards first, a command after."""
        return [
            "ssh", "-F", "/dev/null",  # not this machine's ssh_config nor ~/.ssh/config
            "-i", str(key or self.key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-e", "none", "-p", str(self.port), *args,
        ]

    @property
    def target(self) -> str:
        return f"{self.user}@127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name,
                    "-f", str(path)], check=True, capture_output=True, timeout=30)


def _edited_drop_in(home: Path, script: Path, keys: Path, user: str) -> str:
    """The recipe's drop-in with only its account and paths swapped for this test's.

    Without its Match line and keys file nothing here could connect; the rest is swapped where
    it is, so a drop-in that lost its ForceCommand fails below as a desk would see it."""
    text = DROP_IN.read_text()
    for needed in (RECIPE_USER, RECIPE_KEYS):
        assert needed in text, f"{DROP_IN} no longer has {needed!r}; update this test with it"
    for old, new in ((RECIPE_USER, f"Match User {user}"), (RECIPE_HOME, str(home)),
                     (RECIPE_SCRIPT, str(script)), (RECIPE_KEYS, str(keys))):
        text = text.replace(old, new)
    return text


def _wait_for_port(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.skip(f"sshd could not start: {log.read_text(errors='replace').strip()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    server.kill()
    pytest.skip(f"sshd did not listen within 10 s: {log.read_text(errors='replace').strip()}")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """One sshd for the module: the recipe's Match block for the account running the tests."""
    user = getpass.getuser()
    shell = pwd.getpwnam(user).pw_shell
    if not shell or shell.endswith(("nologin", "false")):
        pytest.skip(f"{user}'s login shell is {shell!r}: sshd runs ForceCommand with it")
    script = Path(sys.executable).parent / "doctorbook"
    if not script.exists():
        pytest.skip(f"no console script at {script}: install with pip install -e .")
    base = tmp_path_factory.mktemp("sshd")
    host_key, desk_key, bare_key = base / "host_key", base / "desk_key", base / "bare_key"
    for key in (host_key, desk_key, bare_key):
        _keygen(key)
    home = base / "home"
    home.mkdir(mode=0o700)
    keys = base / "desk_keys"
    keys.write_text(f"{KEY_OPTIONS} {desk_key.with_suffix('.pub').read_text().strip()}\n"
                    f"{bare_key.with_suffix('.pub').read_text().strip()}\n")
    drop_in = base / "doctorbook-desk.conf"
    drop_in.write_text(_edited_drop_in(home, script, keys, user))
    port = _free_port()
    config = base / "sshd_config"
    # Laid out like Debian's stock sshd_config: the drop-ins are included first, and settings
    # after them (X11Forwarding yes, an sftp subsystem) must not undo the Match block's.
    config.write_text("\n".join([
        f"Include {drop_in}",
        "ListenAddress 127.0.0.1",
        f"Port {port}",
        f"HostKey {host_key}",
        f"PidFile {base / 'sshd.pid'}",
        # The keys file and the home are under the world-writable (sticky) /tmp, which
        # StrictModes refuses; the recipe's /etc/doctorbook/desk_keys passes it.
        "StrictModes no",
        # PAM would want this machine's /etc/pam.d/sshd; keys need none of it.
        "UsePAM no",
        # CI runs as root; the recipe's account is not root, so this is the test's alone.
        "PermitRootLogin prohibit-password",
        "X11Forwarding yes",
        "Subsystem sftp internal-sftp",
        "",
    ]))
    if os.geteuid() == 0:
        # sshd's privilege-separation directory (the openssh-server package's tmpfiles make it).
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    log = base / "sshd.log"
    with log.open("wb") as out:
        server = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)],
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        _wait_for_port(port, server, log)
        yield Desk(port=port, user=user, key=desk_key, bare_key=bare_key, home=home)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def desk_db(desk: Desk, fresh_db_url: str) -> Path:
    """This test's database for the app sshd starts: config.toml in the desk's home."""
    shutil.rmtree(desk.home / "sessions", ignore_errors=True)  # an earlier test's logins
    config = desk.home / "config.toml"
    # A JSON string is a valid TOML basic string.
    config.write_text(f"database_url = {json.dumps(fresh_db_url)}\n")
    config.chmod(0o600)
    return config


@pytest.fixture
def connect(desk: Desk, desk_db: Path) -> Iterator[Callable[..., Terminal]]:
    """Open `ssh -tt` in a pseudo-terminal of 80x24, as a desk's terminal window would."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DOCTORBOOK_", "TEXTUAL", "PYTEST", "SSH_"))}
    env["TERM"] = "xterm-256color"
    started: list[Terminal] = []

    def _connect(*command: str) -> Terminal:
        term = Terminal(desk.ssh("-tt", desk.target, *command), env)
        started.append(term)
        return term

    yield _connect
    for term in started:
        term.close()


def quit_closes_the_connection(term: Terminal) -> None:
    """ctrl+q quits the app, and with it the connection: ssh exits 0 and no shell follows."""
    term.type("\x11")  # ctrl+q
    assert term.exit_code() == 0, term.text()[-2000:]
    term.read(0.2)
    assert "Connection to 127.0.0.1 closed" in term.text()
    # A shell would have printed a prompt naming this host once the app ended.
    assert f"@{socket.gethostname()}" not in term.text()
    assert "Traceback" not in term.text()


def store_nightly_login(desk: Desk) -> bytes:
    """Log the nightly jobs' admin in as the OS account, as deploy/README.md has the operator do:
    the login is kept in a file in the same home the desk's app runs with."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DOCTORBOOK_", "TEXTUAL", "PYTEST"))}
    env.update(DOCTORBOOK_HOME=str(desk.home),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")  # a server: no keyring
    login = subprocess.run(
        [str(Path(sys.executable).parent / "doctorbook"), "login", "--email", "ops@example.com",
         "--password-stdin"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=60,
    )
    assert login.returncode == 0, login.stderr
    return (desk.home / "sessions" / "default.json").read_bytes()


def test_each_connection_starts_at_the_login_form_and_quitting_closes_it(
    connect: Callable[..., Terminal], db: Database, desk: Desk
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="ops@example.com", name="Olga Ops", role=Role.ADMIN)
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    stored = store_nightly_login(desk)
    term = connect()
    # The admin login stored for the nightly jobs is never picked up by the desk's app.
    term.wait_for("Log in to doctorbook", "E-mail", "Password")
    log_in(term, "rita@example.com")
    term.wait_for("Rita Desk", "Front desk")  # the receptionist's home
    assert "Olga Ops" not in term.text()
    quit_closes_the_connection(term)
    # Rita's login lived in the app's memory and ended with it; the stored one is untouched.
    assert [p.name for p in (desk.home / "sessions").glob("*.json")] == ["default.json"]
    assert (desk.home / "sessions" / "default.json").read_bytes() == stored
    again = connect()
    again.wait_for("Log in to doctorbook", "E-mail")
    again.read(1.0)
    assert "Rita Desk" not in again.text() and "Olga Ops" not in again.text()
    quit_closes_the_connection(again)


def test_a_command_instead_of_the_app_still_gets_the_app(
    connect: Callable[..., Terminal],
) -> None:
    term = connect("id")
    term.wait_for("Log in to doctorbook", "E-mail")
    quit_closes_the_connection(term)
    assert "uid=" not in term.text()


def test_without_a_terminal_the_app_says_it_needs_one(desk: Desk, desk_db: Path) -> None:
    # `ssh -T host`, and `ssh host id` (a command gets no pty unless asked for with -t).
    for args in (desk.ssh("-T", desk.target), desk.ssh(desk.target, "id")):
        result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                                timeout=60)
        said = ESCAPES.sub(b"", result.stdout + result.stderr).decode(errors="replace")
        assert result.returncode == 2, said
        assert "needs a terminal" in said
        assert "uid=" not in said and "Traceback" not in said


def test_the_sftp_subsystem_is_the_app_too(desk: Desk, desk_db: Path) -> None:
    """sftp (and scp, which speaks sftp) get the app, which refuses to run without a terminal;
    sshd sends no stderr for a subsystem, so its exit status is what shows it."""
    result = subprocess.run(desk.ssh("-s", desk.target, "sftp"), stdin=subprocess.DEVNULL,
                            capture_output=True, timeout=60)
    assert result.returncode == 2, result.stderr.decode(errors="replace")  # sftp-server: 0
    assert result.stdout == b""


@pytest.mark.parametrize("which", ["desk key", "key without restrict,pty"])
def test_forwarding_is_refused(desk: Desk, which: str) -> None:
    key = desk.key if which == "desk key" else desk.bare_key
    # Something listens there (sshd itself): only the policy can refuse the channel.
    forward = subprocess.run(
        desk.ssh("-W", f"127.0.0.1:{desk.port}", desk.target, key=key),
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
    )
    said = forward.stderr.decode(errors="replace")
    assert forward.returncode != 0, said
    assert "administratively prohibited" in said or "open failed" in said, said
    assert b"SSH-2.0-" not in forward.stdout  # sshd's greeting never came through
    listen = subprocess.run(
        desk.ssh("-N", "-o", "ExitOnForwardFailure=yes", "-R", f"0:127.0.0.1:{desk.port}",
                 desk.target, key=key),
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
    )
    said = listen.stderr.decode(errors="replace")
    assert listen.returncode != 0, said
    assert "remote port forwarding failed" in said, said
