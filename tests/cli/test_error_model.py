"""One error model (issue 12, part 2): every refusal has a stable code, the exit code follows
from it, and under `--json` stderr is one JSON object while stdout stays empty."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from typer.testing import Result

from doctorbook.cli.errors import EXIT_CODES
from doctorbook.core.base import errors
from tests.cli.conftest import PW, Cli

CODES = {"not_found", "permission_denied", "conflict", "policy", "validation", "auth",
         "unavailable"}
NOTICE = "doctorbook: DOCTORBOOK_NOW is set"


def error_lines(result: Result) -> list[str]:
    """stderr without the once-per-process DOCTORBOOK_NOW notice (it comes first, in whichever
    test of this worker runs first)."""
    return [line for line in result.stderr.splitlines() if not line.startswith(NOTICE)]


def json_error(result: Result, exit_code: int, code: str) -> dict[str, Any]:
    """The refusal as a script sees it: the exit code, nothing on stdout, one JSON line."""
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    [line] = error_lines(result)
    body = json.loads(line)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code, body
    return dict(body["error"])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def patient(cli: Cli, registered: Any) -> Cli:
    registered("ann@example.com", "Ann Smith")
    login = cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    assert login.exit_code == 0, login.output
    return cli


def test_every_core_error_has_one_of_the_seven_codes_and_an_exit_code() -> None:
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.DoctorbookError)]
    assert {c.code for c in classes} <= CODES
    assert set(EXIT_CODES) == CODES
    assert {code for code, exit_code in EXIT_CODES.items() if exit_code == 2} == {"validation"}
    assert errors.AccountLocked.code == "auth"
    assert errors.ConfigurationError.code == "validation"
    assert errors.SchemaOutOfDate.code == "unavailable"


def test_an_unknown_id_under_json_is_not_found(patient: Cli) -> None:
    error = json_error(patient("appointments", "show", "999999", "--json"), 1, "not_found")
    assert "999999" in error["message"]


def test_the_same_refusal_without_json_is_the_plain_line(patient: Cli) -> None:
    result = patient("appointments", "show", "999999")
    assert result.exit_code == 1 and result.stdout == ""
    [line] = error_lines(result)
    assert line.startswith("error: ") and "999999" in line


def test_a_patient_listing_staff_is_permission_denied(patient: Cli) -> None:
    json_error(patient("staff", "list", "--json"), 1, "permission_denied")


def test_not_logged_in_is_auth(cli: Cli) -> None:
    error = json_error(cli("whoami", "--json"), 1, "auth")
    assert "not logged in" in error["message"]


def test_bad_input_is_validation_and_exit_2(patient: Cli) -> None:
    json_error(patient("appointments", "list", "--date", "2026-13-45", "--json"), 2,
               "validation")


def test_a_bad_setting_is_validation_and_exit_2(cli: Cli) -> None:
    error = json_error(cli("whoami", "--json", DOCTORBOOK_NOW="yesterday-ish"), 2,
                       "validation")
    assert "DOCTORBOOK_NOW" in error["message"]


def test_a_usage_error_under_json_is_one_json_line(cli: Cli) -> None:
    error = json_error(cli("whoami", "--json", "--no-such-thing"), 2, "validation")
    assert "--no-such-thing" in error["message"]
    # A bad value in a command that has --json, found while parsing it.
    json_error(cli("appointments", "show", "abc", "--json"), 2, "validation")


def test_a_usage_error_without_json_stays_plain(cli: Cli) -> None:
    result = cli("whoami", "--no-such-thing")
    assert result.exit_code == 2
    [line] = error_lines(result)
    assert line.startswith("error: No such option: --no-such-thing")


def test_json_after_double_dash_is_an_argument_not_the_option(patient: Cli) -> None:
    result = patient("appointments", "show", "--", "--json")
    assert result.exit_code == 2
    [line] = error_lines(result)
    assert line.startswith("error: ")


def test_an_unreachable_database_is_unavailable(cli: Cli) -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/nothing"
    result = cli("specialties", "list", "--json", DOCTORBOOK_DATABASE_URL=url)
    error = json_error(result, 1, "unavailable")
    assert error["message"].startswith("database unreachable: ")
    assert "Traceback" not in result.stderr and "\n" not in error["message"]
    # The same outage on a command without --json, and for `db status`, which reads the
    # schema outside any unit of work.
    for args in (("specialties", "list"), ("db", "status")):
        plain = cli(*args, DOCTORBOOK_DATABASE_URL=url)
        assert plain.exit_code == 1 and plain.stdout == ""
        [line] = error_lines(plain)
        assert line.startswith("error: database unreachable: ")
    json_error(cli("db", "status", "--json", DOCTORBOOK_DATABASE_URL=url), 1, "unavailable")


HOSTILE = "--[red]x\x1b[2J\nboom"


def test_hostile_text_in_a_usage_error_stays_one_line_and_escaped(cli: Cli) -> None:
    for args in (("whoami", "--json", HOSTILE), ("whoami", HOSTILE)):
        result = cli(*args)
        assert result.exit_code == 2 and result.stdout == ""
        [line] = error_lines(result)  # the newline typed did not split it
        assert "\x1b" not in result.stderr  # nothing reaches the terminal raw
        shown = json.loads(line)["error"]["message"] if "--json" in args else line
        assert "[red]x" in shown and "boom" in shown  # markup is text, never a style


def test_hostile_text_in_a_core_refusal(patient: Cli) -> None:
    name = "[red]x[/red] :smile: ünïcode"
    error = json_error(patient("search", "--specialty", name, "--json"), 1, "not_found")
    assert name in error["message"]  # exactly as typed: json.loads gives it back
    plain = patient("search", "--specialty", name)
    [line] = error_lines(plain)
    assert plain.exit_code == 1 and line.startswith("error: ") and "[red]x[/red]" in line
    # Control characters are refused as bad input, and the refusal is one JSON line too.
    result = patient("search", "--specialty", "x\x1b]0;owned\x07\nline two", "--json")
    json_error(result, 2, "validation")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
