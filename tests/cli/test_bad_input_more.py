"""Bad input of every other kind (issue 10 G): one line on stderr, exit 2 (1 for "not logged
in"), never a traceback: ids out of range, bytes that are not UTF-8 in argv or on stdin, a
damaged stored login, and bad settings from the environment or config.toml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import Result

from tests.cli.conftest import PW, Cli

MAX = "9223372036854775807"

#: Every command that takes a record id, with X where the id goes.
ID_COMMANDS = [
    ["appointments", "show", "X"], ["appointments", "cancel", "X"],
    ["appointments", "confirm", "X"], ["appointments", "check-in", "X"],
    ["appointments", "complete", "X"], ["appointments", "no-show", "X"],
    ["appointments", "note", "X", "text"], ["appointments", "reschedule", "X", "1"],
    ["appointments", "reschedule", "1", "X"], ["appointments", "list", "--doctor", "X"],
    ["book", "X"], ["review", "X", "--rating", "5"], ["reviews", "hide", "X", "--reason", "r"],
    ["doctors", "show", "X"], ["doctors", "suspend", "X"], ["doctors", "activate", "X"],
    ["requests", "approve", "X"], ["requests", "reject", "X"], ["outbox", "retry", "X"],
    ["schedule", "remove-rule", "X"], ["schedule", "remove-exception", "X"],
    ["slots", "generate", "--doctor", "X"],
    ["patients", "send-activation", "X"], ["patients", "erase", "X", "--reason", "r"],
]


def one_line(result: Result, code: int, *parts: str) -> str:
    assert result.exit_code == code, result.output
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("error: "), result.stderr
    for part in parts:
        assert part in line, (part, line)
    return line


# --- ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", ID_COMMANDS, ids=lambda a: " ".join(a))
def test_every_id_is_range_checked_before_any_sql(cli, args):
    for value in ("0", "99999999999999999999", "9223372036854775808", "abc", "1.5", "+1",
                  "\u0663", "", "1 2"):
        given = [value if a == "X" else a for a in args]
        one_line(cli(*given), 2, f"id must be a whole number from 1 to {MAX}, not {value!r}")
    # A negative number: an option's value, or (where an argument goes) an unknown option.
    negative = [("-1" if a == "X" else a) for a in args]
    one_line(cli(*negative), 2, f"from 1 to {MAX}")


def test_the_largest_id_reaches_core_and_is_just_not_found(cli, registered):
    registered()
    assert cli("login", "--email", "ann@example.com", "--password-stdin",
               input=PW + "\n").exit_code == 0
    one_line(cli("appointments", "show", MAX), 1, f"no appointment {MAX}")
    one_line(cli("appointments", "show", "99999999999999999999"), 2,
             "appointment id must be a whole number")
    one_line(cli("audit", "list", "--limit", "99999999999999999999"), 2, "--limit")
    one_line(cli("doctors", "show", "1", "--page", "99999999999999999999"), 2, "--page")


def test_usage_errors_are_one_line_too(cli):
    one_line(cli("register", "--name", "Ann"), 2, "Missing option '--email'",
             "doctorbook register --help")
    one_line(cli("appointments", "show", "1", "2"), 2, "unexpected extra argument")
    one_line(cli("nonsense-command"), 2, "No such command")
    # A group without its command still shows its help.
    result = cli("appointments")
    assert "Usage:" in result.output and "list" in result.output


# --- bytes that are not UTF-8 ---------------------------------------------------------------


def _installed(args: list[str | bytes], env: dict[str, str], stdin: bytes | None = None
               ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "doctorbook", *args], input=stdin,
                          capture_output=True, env=env, timeout=60)


@pytest.fixture
def script_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCTORBOOK_")}
    # Nothing here may reach a database: the refusals come first.
    env.update(DOCTORBOOK_HOME=str(tmp_path / "home"),
               DOCTORBOOK_DATABASE_URL="postgresql://nobody@127.0.0.1:9/nothing",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", LC_ALL="C.UTF-8")
    return env


@pytest.mark.parametrize("args", [
    ["register", "--email", "a@example.com", "--name", b"\xff", "--password-stdin"],
    ["register", "--email", b"caf\xe9@example.com", "--name", "Ann", "--password-stdin"],
    ["specialties", "add", b"Cardio\xc3"],
    [b"\xfe\xff"],
])
def test_argv_that_is_not_utf8_is_refused(script_env, args):
    done = _installed(args, script_env, stdin=PW.encode() + b"\n")
    assert done.returncode == 2, done.stderr
    err = done.stderr.decode()
    assert err.startswith("error: an argument is not valid UTF-8: b'") and err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_stdin_that_is_not_utf8_is_refused(script_env, locale):
    # A UTF-8 locale decodes stdin strictly; the C locale keeps bad bytes as surrogates.
    done = _installed(["register", "--email", "a@example.com", "--name", "Ann",
                       "--password-stdin"], {**script_env, "LC_ALL": locale},
                      stdin=b"\xff\xfe correct horse\n")
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode() == "error: standard input is not valid UTF-8\n"


def test_in_process_undecodable_input_is_one_line(cli):
    for name in ("\udcff", "\ud800", "Ann \udce9"):
        one_line(cli("register", "--email", "a@example.com", "--name", name,
                     "--password-stdin", input=PW + "\n"), 2, "an argument is not valid UTF-8")
    result = cli("register", "--email", "a@example.com", "--name", "Ann", "--password-stdin",
                 input=b"\xff\xfe\n")
    one_line(result, 2, "standard input is not valid UTF-8")
    one_line(cli("appointments", "note", "1", "-", input=b"\xc3(\n"), 2,
             "standard input is not valid UTF-8")


# --- a damaged stored login -----------------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"garbage", b'{"access_token": "dba_x", "refresh', b"[]", b"null", b"",
    b'{"access_token": 1, "refresh_token": 2, "email": 3}',
    b'{"access_token": "\\udcff", "refresh_token": "dbr_x", "email": "a@example.com"}',
    b'{"access_token": "dba_x", "refresh_token": "dbr_x"}', b"\xff\xfe\x00", b"[" * 100_000,
], ids=["garbage", "truncated", "list", "null", "empty", "wrong-types", "surrogate",
        "no-email", "binary", "deep"])
def test_a_damaged_session_file_counts_as_logged_out(cli, registered, content):
    registered()
    session = Path(cli.env["DOCTORBOOK_HOME"]) / "sessions" / "default.json"
    session.parent.mkdir(parents=True, exist_ok=True)
    session.write_bytes(content)
    line = one_line(cli("whoami"), 1, "you are not logged in", str(session), "unreadable")
    assert line.endswith("run `doctorbook login` first")
    one_line(cli("appointments", "list"), 1, "you are not logged in")
    one_line(cli("refresh"), 1, "you are not logged in", "unreadable")
    # Logging out forgets it; logging in replaces it.
    out = cli("logout")
    assert out.exit_code == 0 and "it is removed now" in out.stdout
    assert not session.exists()
    session.write_bytes(content)
    assert cli("login", "--email", "ann@example.com", "--password-stdin",
               input=PW + "\n").exit_code == 0
    assert "Ann Smith" in cli("whoami").stdout


def test_a_damaged_keyring_entry_counts_as_logged_out(cli):
    cli.keyring.values[("doctorbook", "default")] = '{"access_token": ['
    one_line(cli("whoami"), 1, "you are not logged in",
             "the stored login in the keyring (profile default) is unreadable")


# --- bad settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("EMAIL_POLL_SECONDS", "inf", "email_poll_seconds must be from 0.01 to"),
    ("EMAIL_POLL_SECONDS", "nan", "email_poll_seconds must be from 0.01 to"),
    ("EMAIL_POLL_SECONDS", "-inf", "email_poll_seconds must be from"),
    ("EMAIL_POLL_SECONDS", "1e999", "email_poll_seconds must be from"),
    ("SMTP_TIMEOUT_SECONDS", "-5", "smtp_timeout_seconds must be from 0.1 to"),
    ("EMAIL_HTTP_TIMEOUT_SECONDS", "0", "email_http_timeout_seconds must be from 0.1"),
    ("EMAIL_BACKOFF_CAP_SECONDS", "ten", "email_backoff_cap_seconds must be a number"),
    ("SMTP_PORT", "70000", "smtp_port must be from 1 to 65535"),
    ("SMTP_PORT", "25.5", "smtp_port must be a whole number"),
    ("EMAIL_MAX_ATTEMPTS", "0", "email_max_attempts must be from 1"),
    ("INVITE_TTL_HOURS", "1e18", "invite_ttl_hours must be from 1 to"),
    ("KIOSK_IDLE_SECONDS", "0", "kiosk_idle_seconds must be from 1"),
    ("KIOSK_IDLE_SECONDS", "nan", "kiosk_idle_seconds must be a whole number"),
    ("SMTP_STARTTLS", "maybe", "smtp_starttls must be true or false"),
    ("CURRENCY", "€€€", "currency must be a 3-letter ISO code"),
    ("DATABASE_URL", "garbage://", "database_url must be a postgresql:// URL"),
    ("DATABASE_URL", "not a url", "database_url must be a postgresql:// URL"),
    ("DATABASE_URL", "postgresql://[::1/db", "database_url is not a valid URL"),
    ("DATABASE_URL", "postgresql://u:secret@db:99999/x", "database_url is not a valid URL"),
    ("DATABASE_URL", "postgresql://db/x\x1b[2J", "database_url must not contain"),
    ("PROFILE", "../../etc/passwd", "profile must be a name"),
    ("PROFILE", "a/b", "profile must be a name"),
    ("SMTP_HOST", "\udcff", "smtp_host is not valid UTF-8"),
])
def test_a_bad_variable_names_itself(cli, key, value, expected):
    line = one_line(cli("whoami", **{f"DOCTORBOOK_{key}": value}), 2, expected,
                    f"(from DOCTORBOOK_{key})")
    assert "secret" not in line  # a database URL's password is never repeated
    assert "\x1b" not in line


@pytest.mark.parametrize(("content", "expected"), [
    (b"email_poll_seconds = nan\n", "email_poll_seconds must be from 0.01 to"),
    (b"email_poll_seconds = inf\n", "email_poll_seconds must be from 0.01 to"),
    (b"smtp_timeout_seconds = -1.5\n", "smtp_timeout_seconds must be from 0.1 to"),
    (b"smtp_port = 0\n", "smtp_port must be from 1 to 65535"),
    (b'database_url = "garbage://"\n', "database_url must be a postgresql:// URL"),
    (b"smtp_host = { name = 'x' }\n", "smtp_host must be a single value"),
    (b'profile = ".hidden"\n', "profile must be a name"),
])
def test_a_bad_config_value_names_its_key_and_file(cli, content, expected):
    config = Path(cli.env["DOCTORBOOK_HOME"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_bytes(content)
    # Empty variables leave the file's values in charge.
    one_line(cli("whoami", DOCTORBOOK_PROFILE="", DOCTORBOOK_DATABASE_URL=""), 2, expected,
             f"(from {config})")


@pytest.mark.parametrize(("content", "expected"), [
    (b"profile = \xff\xfe\n", "it is not valid UTF-8"),
    (b"profile = \n", "Invalid value"),
    (b"[[[\n", "cannot read"),
])
def test_an_unreadable_config_file_is_one_line(cli, content, expected):
    config = Path(cli.env["DOCTORBOOK_HOME"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_bytes(content)
    one_line(cli("whoami"), 2, f"cannot read {config}", expected)


def test_the_environment_still_wins_over_a_bad_file_value(cli: Cli):
    config = Path(cli.env["DOCTORBOOK_HOME"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("email_poll_seconds = nan\n")
    one_line(cli("whoami", DOCTORBOOK_EMAIL_POLL_SECONDS="2"), 1, "not logged in")


@pytest.mark.parametrize("command", ["tui", "kiosk"])
def test_the_app_without_a_terminal_says_so_instead_of_hanging(script_env, command):
    # `ssh -T`, or a command given in place of sshd's forced one: no pty, stdin a pipe.
    result = subprocess.run([sys.executable, "-m", "doctorbook", command], stdin=subprocess.PIPE,
                            capture_output=True, text=True, env=script_env, timeout=60)
    assert result.returncode == 2
    expected = f"doctorbook {command} needs a terminal (over SSH: ssh -t)"
    assert result.stderr.strip().endswith(expected)
    assert result.stdout == ""
