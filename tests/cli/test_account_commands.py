"""Accounts from the CLI, e-mail included: staff by invitation, forgot/reset/change password,
activating a patient the desk created, disabling accounts (issue 11)."""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path

import pytest

from doctorbook.core.accounts import auth, patients
from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from tests.cli.conftest import PW, Cli
from tests.conftest import make_user
from tests.hostile import has_control, hostile_strings

CODE = re.compile(r"doctorbook (?:accept-invite|password reset|activate) (db[ipv]_[A-Za-z0-9_-]+)")
NEW = "a brand new passphrase"
ADMIN = {"DOCTORBOOK_PROFILE": "admin"}
RITA = {"DOCTORBOOK_PROFILE": "rita"}


def _mail_code(cli: Cli, to: str) -> str:
    """Send what is queued (the cron job) and read the newest code e-mailed to `to`."""
    sent = cli("dispatch-emails", "--once")
    assert sent.exit_code == 0, sent.output
    home = Path(cli.env["DOCTORBOOK_HOME"])
    for eml in sorted((home / "mail").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns,
                      reverse=True):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        if to in str(message["To"]):
            match = CODE.search(message.get_body(("plain",)).get_content())
            assert match
            return match.group(1)
    raise AssertionError(f"no e-mail to {to}")


def _ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def _refused(result, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.count("error:") == 1 and result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def _login(cli: Cli, email: str, password: str = PW, **env: str):
    return cli("login", "--email", email, "--password-stdin", input=password + "\n", **env)


@pytest.fixture
def admin(cli: Cli) -> None:
    _ok(cli("admin", "create", "--email", "admin@clinic.example", "--name", "Ada Admin",
            "--password-stdin", input=PW + "\n"))
    _ok(_login(cli, "admin@clinic.example", **ADMIN))


def test_an_admin_adds_a_receptionist_who_joins_and_is_switched_off(cli: Cli, admin) -> None:
    out = _ok(cli("staff", "add", "rita@clinic.example", "--name", "Rita Desk", "--role",
                  "receptionist", **ADMIN))
    assert "invitation for Rita Desk <rita@clinic.example> as receptionist queued" in out
    [row] = [s for s in json.loads(_ok(cli("staff", "list", "--json", **ADMIN)))["staff"]
             if s["email"] == "rita@clinic.example"]
    assert (row["status"], row["user_id"]) == ("invited", None)

    code = _mail_code(cli, "rita@clinic.example")
    # The code from stdin (`-`): never in the process list.
    out = _ok(cli("accept-invite", "-", "--password-stdin", input=f"{code}\n{PW}\n", **RITA))
    assert "your receptionist account is ready" in out
    _ok(_login(cli, "rita@clinic.example", **RITA))
    assert "(receptionist" in _ok(cli("whoami", **RITA))

    _refused(cli("staff", "disable", "rita@clinic.example", **ADMIN), 2, "--reason")
    _refused(cli("staff", "disable", "rita@clinic.example", "--reason", " ", **ADMIN), 2,
             "say why")
    out = _ok(cli("staff", "disable", "rita@clinic.example", "--reason", "left the clinic",
                  **ADMIN))
    assert "disabled Rita Desk" in out
    _refused(cli("whoami", **RITA), 1)  # her stored login ended at once
    _refused(_login(cli, "rita@clinic.example", **RITA), 1, "wrong e-mail or password")
    table = _ok(cli("staff", "list", **ADMIN))
    assert "disabled" in table and "left the clinic" in table
    _ok(cli("staff", "enable", "rita@clinic.example", **ADMIN))
    _ok(_login(cli, "rita@clinic.example", **RITA))

    _refused(cli("staff", "disable", "admin@clinic.example", "--reason", "x", **ADMIN), 1,
             "your own account")
    _refused(cli("staff", "add", "x@clinic.example", "--name", "X", "--role", "receptionist",
                 **RITA), 1, "may not")
    _refused(cli("staff", "add", "x@clinic.example", "--name", "X", "--role", "doctor",
                 **ADMIN), 2)
    for ref in ("99999999999999999999", "424242", "nobody@clinic.example"):
        _refused(cli("staff", "enable", ref, **ADMIN), 1, "no account")


def test_resend_replaces_the_invitation(cli: Cli, admin) -> None:
    _ok(cli("staff", "add", "amy@clinic.example", "--name", "Amy Admin", "--role", "admin",
            **ADMIN))
    old = _mail_code(cli, "amy@clinic.example")
    _ok(cli("staff", "resend", "amy@clinic.example", **ADMIN))
    new = _mail_code(cli, "amy@clinic.example")
    assert new != old
    _refused(cli("accept-invite", "-", "--password-stdin", input=f"{old}\n{PW}\n"), 1,
             "replaced")
    _ok(cli("accept-invite", "-", "--password-stdin", input=f"{new}\n{PW}\n"))
    _refused(cli("staff", "resend", "amy@clinic.example", **ADMIN), 1, "already accepted")


def test_forgot_reset_ends_old_logins_and_the_old_password(cli: Cli, registered) -> None:
    registered("ann@example.com", "Ann Smith")
    _ok(_login(cli, "ann@example.com", **RITA))
    known = _ok(cli("password", "forgot", "--email", "ann@example.com"))
    unknown = _ok(cli("password", "forgot", "--email", "nobody@example.com"))
    assert known == unknown and "if an account uses that address" in known
    code = _mail_code(cli, "ann@example.com")
    out = _ok(cli("password", "reset", "-", "--password-stdin", input=f"{code}\n{NEW}\n"))
    assert "password changed; 1 earlier login(s) ended" in out
    _refused(cli("whoami", **RITA), 1)
    _refused(_login(cli, "ann@example.com", PW), 1, "wrong e-mail or password")
    _ok(_login(cli, "ann@example.com", NEW))
    _refused(cli("password", "reset", "-", "--password-stdin", input=f"{code}\n{NEW}x\n"), 1,
             "already used")
    _refused(cli("password", "reset", "-", "--password-stdin", input="\n" + NEW + "\n"), 1,
             "not valid")
    _refused(cli("password", "forgot", "--email", "not-an-address"), 2)


def test_change_keeps_this_login_and_ends_the_others(cli: Cli, registered) -> None:
    registered("ann@example.com", "Ann Smith")
    _ok(_login(cli, "ann@example.com"))
    _ok(_login(cli, "ann@example.com", **RITA))
    _refused(cli("password", "change", "--password-stdin", input=f"wrong one\n{NEW}\n"), 1,
             "current password is wrong")
    _refused(cli("password", "change", "--password-stdin", input=f"{PW}\n"), 2,
             "second")
    out = _ok(cli("password", "change", "--password-stdin", input=f"{PW}\n{NEW}\n"))
    assert "password changed; 1 other login(s) ended" in out
    assert "Ann Smith" in _ok(cli("whoami"))
    _refused(cli("whoami", **RITA), 1)
    _refused(cli("password", "change", "--password-stdin", input=f"{NEW}\nx\n",
                 DOCTORBOOK_PROFILE="nobody"), 1, "not logged in")


def test_a_walk_in_patient_activates_and_logs_in(cli: Cli, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="desk@clinic.example", role=Role.RECEPTIONIST)
    with db.unit_of_work() as uow:
        desk = make_user(uow, email="desk2@clinic.example", role=Role.RECEPTIONIST)
    with db.unit_of_work() as uow:
        view = patients.create_patient(uow, actor=desk, email="walkin@example.com",
                                       name="Walk In")
    first = _mail_code(cli, "walkin@example.com")
    assert first.startswith("dbv_")
    _ok(_login(cli, "desk@clinic.example", **RITA))
    out = _ok(cli("patients", "send-activation", str(view.id), **RITA))
    assert "activation e-mail queued" in out
    code = _mail_code(cli, "walkin@example.com")
    _refused(cli("activate", "-", "--password-stdin", input=f"{first}\n{NEW}\n"), 1, "replaced")
    out = _ok(cli("activate", "-", "--password-stdin", input=f"{code}\n{NEW}\n"))
    assert "your account is ready" in out
    _ok(_login(cli, "walkin@example.com", NEW))
    assert "(patient" in _ok(cli("whoami"))
    _refused(cli("patients", "send-activation", str(view.id), **RITA), 1,
             "already has a password")
    _refused(cli("patients", "send-activation", "99999999999999999999", **RITA), 2)
    _refused(cli("patients", "send-activation", str(view.id)), 1, "may not")  # the patient


def test_an_admin_disables_an_abusive_patient(cli: Cli, admin, registered) -> None:
    registered("ann@example.com", "Ann Smith")
    _ok(_login(cli, "ann@example.com"))
    _refused(cli("patients", "disable", "ann@example.com", "--reason", "x"), 1, "may not")
    _ok(cli("patients", "disable", "ann@example.com", "--reason", "abusive messages", **ADMIN))
    _refused(cli("whoami"), 1)
    _refused(_login(cli, "ann@example.com"), 1)
    _refused(cli("patients", "disable", "admin@clinic.example", "--reason", "x", **ADMIN), 2,
             "not a patient")
    _ok(cli("patients", "enable", "ann@example.com", **ADMIN))
    _ok(_login(cli, "ann@example.com"))


def test_hostile_names_and_reasons_are_stored_or_refused_and_listed_literally(
    cli: Cli, admin
) -> None:
    strings = [s for s in hostile_strings(60) if s.strip()]
    accepted = []
    for i, text in enumerate(strings):
        result = cli("staff", "add", f"s{i}@clinic.example", "--name", text, "--role",
                     "receptionist", **ADMIN)
        assert result.exit_code in (0, 2), result.output
        assert "\x1b" not in result.output
        if result.exit_code == 0:
            accepted.append(text)
        else:
            assert has_control(text), text  # refused only for a control character
    assert len(accepted) > 20
    table = cli("staff", "list", **ADMIN)
    assert table.exit_code == 0 and "\x1b" not in table.stdout
    listed = json.loads(_ok(cli("staff", "list", "--json", **ADMIN)))["staff"]
    # Lossless under --json: every accepted name comes back as core stored it.
    stored = {s["name"] for s in listed}
    assert {auth.clean_name(text) for text in accepted} <= stored
    assert any("[/" in name for name in stored)


def test_a_patient_keeps_their_own_details_and_moves_to_a_new_address(
    cli: Cli, registered
) -> None:
    registered("ann@example.com", "Ann Smith")
    _ok(_login(cli, "ann@example.com"))
    out = _ok(cli("account", "set", "--phone", "030 1234567", "--date-of-birth", "1984-02-29"))
    assert "030 1234567" in out and "1984-02-29" in out
    shown = json.loads(_ok(cli("account", "show", "--json")))
    assert (shown["phone"], shown["date_of_birth"]) == ("030 1234567", "1984-02-29")
    _refused(cli("account", "set", "--date-of-birth", "29.02.1984"), 2, "YYYY-MM-DD")
    _refused(cli("account", "set", "--date-of-birth", "2999-01-01"), 2)
    _refused(cli("account", "set"), 2, "nothing to change")

    out = _ok(cli("account", "email", "ann.new@example.com"))
    assert "until you confirm it" in out
    assert "ann@example.com" in _ok(cli("whoami"))  # not before it is confirmed
    _ok(cli("dispatch-emails", "--once"))
    home = Path(cli.env["DOCTORBOOK_HOME"])
    bodies = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
              for p in (home / "mail").glob("*.eml")]
    [mail] = [m for m in bodies if "ann.new@example.com" in str(m["To"])]
    code = re.search(r"confirm-email (dbe_[A-Za-z0-9_-]+)",
                     mail.get_body(("plain",)).get_content()).group(1)
    out = _ok(cli("account", "confirm-email", "-", input=code + "\n"))
    assert "now ann.new@example.com" in out
    _ok(_login(cli, "ann.new@example.com"))
    _refused(cli("account", "confirm-email", code), 1, "already used")


def test_an_admin_erases_a_patient(cli: Cli, admin, registered) -> None:
    registered("ann@example.com", "Ann Smith")
    _ok(_login(cli, "ann@example.com"))
    ann = json.loads(_ok(cli("account", "show", "--json")))
    _refused(cli("patients", "erase", str(ann["id"]), "--reason", "x"), 1, "may not")
    _refused(cli("patients", "erase", "99999999999999999999", "--reason", "x", **ADMIN), 2)
    _refused(cli("patients", "erase", "424242", "--reason", "x", **ADMIN), 1, "no patient")
    out = _ok(cli("patients", "erase", str(ann["id"]), "--reason", "asked to be forgotten",
                  **ADMIN))
    assert f"erased patient {ann['id']}" in out
    _refused(cli("whoami"), 1)
    _refused(_login(cli, "ann@example.com"), 1)
    _refused(cli("patients", "erase", str(ann["id"]), "--reason", "again", **ADMIN), 1,
             "already erased")
