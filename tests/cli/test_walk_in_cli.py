"""CLI: the desk adds a walk-in without an e-mail, finds them by phone or date of birth, books
for them by id, adds their e-mail later; no e-mail is "-" (null under --json), never "None"."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from typer.testing import Result

from doctorbook.core.base.db import Database
from tests.cli.test_booking_commands import BOOKED_RE, Clinic, clinic
from tests.hostile import has_control

__all__ = ["clinic"]  # the booking commands' clinic: everyone logged in under a profile

TOMORROW_10 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def ok(out: Result) -> str:
    assert out.exit_code == 0, out.output
    assert "None" not in out.stdout, out.stdout
    return out.stdout


def refused(out: Result, code: int, *words: str) -> None:
    assert out.exit_code == code, out.output
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    for word in words:
        assert word in out.stderr, (word, out.stderr)


def add_walk_in(clinic: Clinic, *extra: str) -> dict[str, object]:
    out = ok(clinic("desk", "patients", "add", "--name", "Jan Novák", *extra, "--json"))
    added: dict[str, object] = json.loads(out)
    return added


def test_the_desk_adds_a_walk_in_with_a_phone_and_nothing_is_mailed(clinic: Clinic) -> None:
    out = ok(clinic("desk", "patients", "add", "--name", "Jan Novák", "--phone",
                    "+420 601 234 567"))
    assert out.startswith("patient ") and "created: Jan Novák, e-mail -, phone +420 601 234 567"\
        ", born -; no e-mail address, so nothing was sent" in out
    queued = json.loads(ok(clinic("admin", "outbox", "list", "--json")))
    assert "Jan Novák" not in json.dumps(queued)


def test_json_says_null_for_no_email_and_the_date_of_birth_as_typed(clinic: Clinic) -> None:
    added = add_walk_in(clinic, "--born", "12.03.1980")
    assert added["email"] is None and added["phone"] is None
    assert added["date_of_birth"] == "1980-03-12" and added["role"] == "patient"
    found = json.loads(ok(clinic("desk", "patients", "find", "1980-03-12", "--json")))
    assert [p["id"] for p in found["patients"]] == [added["id"]]
    assert found["patients"][0]["email"] is None


def test_no_email_phone_or_birth_date_is_refused_and_nothing_is_created(
    clinic: Clinic,
) -> None:
    refused(clinic("desk", "patients", "add", "--name", "Jan Novák"), 2,
            "give an e-mail, a phone number or a date of birth")
    refused(clinic("desk", "patients", "add", "--name", "Jan Novák", "--email", " "), 2)
    refused(clinic("desk", "patients", "add", "--name", "Jan Novák", "--born", "31.02.1980"),
            2, "--born must be a date")
    refused(clinic("desk", "patients", "add", "--name", "Jan Novák", "--born", "yesterday",
                   "--json"), 2, '"code": "validation"')
    refused(clinic("desk", "patients", "add", "--name", "Jan Novák", "--phone", "call me"), 2,
            "not a phone number")
    assert json.loads(ok(clinic("desk", "patients", "find", "Novák", "--json"))) == {
        "patients": []}


def test_found_by_phone_however_typed_and_shown_with_a_dash(clinic: Clinic) -> None:
    added = add_walk_in(clinic, "--phone", "+420 601 234 567")
    for typed in ("+420 601 234 567", "601234567", "601 234 567"):
        found = json.loads(ok(clinic("desk", "patients", "find", typed, "--json")))
        assert [p["id"] for p in found["patients"]] == [added["id"]], typed
    table = ok(clinic("desk", "patients", "find", "601234567", COLUMNS="120"))
    [row] = [line for line in table.splitlines() if "Jan Novák" in line]
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells == [str(added["id"]), "Jan Novák", "-", "+420 601 234 567", "-", ""]
    assert "no patient matches" in ok(clinic("desk", "patients", "find", "777 888 999"))


def test_only_the_desk_and_admins_add_and_find_patients(clinic: Clinic) -> None:
    for who in ("alice", "house"):
        refused(clinic(who, "patients", "add", "--name", "Jan", "--phone", "601234567"), 1,
                "may not")
        refused(clinic(who, "patients", "find", "Jan"), 1, "may not")
    refused(clinic("nobody", "patients", "find", "Jan"), 1, "not logged in")
    ok(clinic("admin", "patients", "add", "--name", "Jan", "--phone", "601234567"))


def test_the_desk_books_for_a_walk_in_by_id(clinic: Clinic, db: Database) -> None:
    added = add_walk_in(clinic, "--phone", "601 234 567")
    slot = clinic.slot(db, clinic.wilson, TOMORROW_10)
    out = ok(clinic("desk", "book", str(slot), "--patient-id", str(added["id"])))
    assert "for Jan Novák with Dr James Wilson" in out
    booked = BOOKED_RE.search(out)
    assert booked
    appointment = int(booked.group(1))
    shown = json.loads(ok(clinic("desk", "appointments", "show", str(appointment), "--json")))
    assert (shown["patient_id"], shown["patient_name"]) == (added["id"], "Jan Novák")
    detail = ok(clinic("desk", "appointments", "show", str(appointment), COLUMNS="200"))
    assert "Jan Novák" in detail and "<" not in detail
    listed = ok(clinic("desk", "appointments", "list", COLUMNS="200"))
    assert "Jan Novák" in listed
    other = clinic.slot(db, clinic.wilson, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    refused(clinic("desk", "book", str(other), "--patient", "alice@example.com",
                   "--patient-id", str(added["id"])), 2, "not both")
    refused(clinic("desk", "book", str(other), "--patient-id", "-3"), 2, "patient id")
    refused(clinic("desk", "book", str(other), "--patient-id", "99999999"), 1, "no patient")
    refused(clinic("desk", "book", str(other), "--patient-id", str(clinic.house)), 2,
            "not a patient")
    # A patient books only for themselves, by id too.
    refused(clinic("alice", "book", str(other), "--patient-id", str(added["id"])), 1,
            "only for themselves")


def test_activation_waits_for_an_email_the_desk_adds_later(clinic: Clinic) -> None:
    added = add_walk_in(clinic, "--phone", "601 234 567")
    pid = str(added["id"])
    refused(clinic("desk", "patients", "send-activation", pid), 1,
            "Jan Novák has no e-mail address to send it to")
    out = ok(clinic("desk", "patients", "set-email", pid, "Jan.Novak@Mail.Example"))
    assert out.strip() == ("Jan Novák's e-mail is now jan.novak@mail.example; a \"set your "
                           "password\" e-mail is queued")
    queued = json.loads(ok(clinic("admin", "outbox", "list", "--json")))
    assert "jan.novak@mail.example" in json.dumps(queued)
    refused(clinic("desk", "patients", "set-email", pid, "alice@example.com"), 1,
            "already exists")
    refused(clinic("desk", "patients", "set-email", pid, "not-an-email"), 2,
            "not a valid e-mail")
    refused(clinic("desk", "patients", "set-email", "0", "x@mail.example"), 2, "patient id")
    refused(clinic("desk", "patients", "set-email", "99999999", "x@mail.example"), 1,
            "no patient 99999999")
    refused(clinic("alice", "patients", "set-email", pid, "x@mail.example"), 1, "may not")
    again = json.loads(ok(clinic("desk", "patients", "set-email", pid, "jan@mail.example",
                                 "--json")))
    assert again["email"] == "jan@mail.example"


def test_disable_erase_a_walk_in_by_id(clinic: Clinic) -> None:
    added = add_walk_in(clinic, "--born", "1980-03-12")
    pid = str(added["id"])
    out = ok(clinic("admin", "patients", "disable", pid, "--reason", "abuse"))
    assert out.strip() == f"disabled Jan Novák (patient {pid}); their sessions ended"
    assert ok(clinic("admin", "patients", "enable", pid)).strip() == \
        f"enabled Jan Novák (patient {pid})"
    out = ok(clinic("admin", "patients", "erase", pid, "--reason", "asked at the desk"))
    assert f"erased patient {pid}: 0 visit(s)" in out and "0 e-mail(s)" in out
    assert json.loads(ok(clinic("desk", "patients", "find", "12.03.1980", "--json"))) == {
        "patients": []}


def test_hostile_names_and_phones_are_shown_literally_or_refused(clinic: Clinic) -> None:
    for name in ("[b]Jan[/b] [red]Novák", ":smile: Jan", "Jan \\x1b[31m"):
        out = ok(clinic("desk", "patients", "add", "--name", name, "--phone", "601 234 567"))
        assert name in out and not has_control(out.strip())
    table = ok(clinic("desk", "patients", "find", "601 234 567", COLUMNS="200"))
    assert "[b]Jan[/b] [red]Novák" in table
    assert not any(has_control(line) for line in table.splitlines())
    for name in ("Jan\x1b[31mNovák", "Jan\u202eNovák", "Jan\nNovák"):
        refused(clinic("desk", "patients", "add", "--name", name, "--phone", "601234567"), 2,
                "control characters")
    for phone in ("601\x1b[31m234567", "[b]601234567[/b]", "6" * 41):
        out = clinic("desk", "patients", "add", "--name", "Jan", "--phone", phone)
        refused(out, 2)
        assert not has_control(out.stderr.strip())


def test_huge_and_undecodable_input_to_the_new_commands_is_one_line(clinic: Clinic) -> None:
    """Non-UTF-8 argv (surrogate escapes) and huge text: one line, exit 2, nothing created."""
    for args in (("patients", "add", "--name", "Jan \udce9", "--phone", "601234567"),
                 ("patients", "add", "--name", "Jan", "--phone", "601\udcff234567"),
                 ("patients", "find", "Nov\udcffak"),
                 ("patients", "set-email", "1", "jan\udce9@mail.example")):
        refused(clinic("desk", *args), 2, "not valid UTF-8")
    refused(clinic("desk", "patients", "add", "--name", "J" * 100_000, "--phone", "601234567"),
            2)
    refused(clinic("desk", "patients", "find", "N" * 100_000), 2)
    listed = json.loads(ok(clinic("desk", "patients", "find", "601 234 567", "--json")))
    assert listed == {"patients": []}
