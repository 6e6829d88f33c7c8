"""Every argument's bad input: one line on stderr, exit 2 (or 1 for a refusal), no traceback."""

from __future__ import annotations

import pytest

from tests.cli.conftest import PW

REG = ["register", "--email", "a@example.com", "--name", "Ann", "--password-stdin"]


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["register", "--email", "not-an-email", "--name", "Ann", "--password-stdin"], PW,
         2, "not a valid e-mail address"),
        (["register", "--email", "", "--name", "Ann", "--password-stdin"], PW,
         2, "e-mail is required"),
        (["register", "--email", "a@example.com", "--name", "  ", "--password-stdin"], PW,
         2, "name is required"),
        (["register", "--email", "a@example.com", "--name", "A" * 201, "--password-stdin"], PW,
         2, "at most 200"),
        (REG, "short", 2, "at least 10 characters"),
        (REG, "x" * 129, 2, "at most 128 characters"),
        (REG, "qwertyuiop", 2, "too common"),
        (REG, "", 2, "no password on standard input"),
        (["register", "--name", "Ann", "--password-stdin"], PW, 2, "Missing option"),
        (["register", "--email", "a@example.com", "--name", "Ann", "--bogus"], PW, 2,
         "No such option"),
        (["login", "--email", "nonsense", "--password-stdin"], PW, 1, "wrong e-mail or password"),
        (["login", "--password-stdin"], PW, 2, "Missing option"),
        (["admin", "create", "--email", "bad", "--name", "Boss", "--password-stdin"], PW, 2,
         "not a valid e-mail address"),
        (["admin", "create", "--email", "b@example.com", "--name", "Boss", "--password-stdin"],
         "1234567890", 2, "too common"),
        (["appointments", "list", "--upcoming", "--past"], None, 2, "choose one"),
        (["appointments", "list"], None, 1, "not logged in"),
        (["db", "status", "--bogus"], None, 2, "No such option"),
        (["nonsense-command"], None, 2, "No such command"),
    ],
)
def test_bad_input(cli, args, stdin, code, message):
    result = cli(*args, input=None if stdin is None else stdin + "\n")
    assert result.exit_code == code, result.output
    assert message in result.stderr
    if code == 1 or "error:" in result.stderr:
        assert len(result.stderr.strip().splitlines()) == 1


def test_bad_now_is_a_usage_error(cli):
    result = cli("whoami", DOCTORBOOK_NOW="yesterday-ish")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: DOCTORBOOK_NOW is not an ISO-8601 instant: 'yesterday-ish'"
    )


def test_bad_email_provider_is_a_usage_error(cli):
    result = cli("whoami", DOCTORBOOK_EMAIL_PROVIDER="pigeon")
    assert result.exit_code == 2
    assert "DOCTORBOOK_EMAIL_PROVIDER" in result.stderr


def test_database_unreachable_is_one_line(cli):
    result = cli("register", "--email", "a@example.com", "--name", "Ann", "--password-stdin",
                 input=PW + "\n",
                 DOCTORBOOK_DATABASE_URL="postgresql://postgres@127.0.0.1:9/nothing")
    assert result.exit_code == 1
    # The DOCTORBOOK_NOW notice comes once per process, first: whether this test is the first
    # here depends on the order (and on the xdist worker).
    lines = [line for line in result.stderr.splitlines()
             if not line.startswith("doctorbook: DOCTORBOOK_NOW is set")]
    assert len(lines) == 1
    assert lines[0].startswith("error: database unreachable")


def test_duplicate_email_is_refused(cli, registered):
    registered("ann@example.com")
    again = cli("register", "--email", "ANN@Example.com", "--name", "Ann Again",
                "--password-stdin", input=PW + "\n")
    assert again.exit_code == 1
    assert again.stderr.strip() == "error: an account with e-mail ann@example.com already exists"
