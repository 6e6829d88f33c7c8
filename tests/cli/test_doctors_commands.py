"""Specialties, invites, requests, accept-invite, profile, doctors and search from the CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from tests.cli.conftest import PW


def _latest_token(url: str, email: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        token = conn.execute(
            text("SELECT facts ->> 'token' FROM email_outbox WHERE to_address = :e "
                 "ORDER BY id DESC"),
            {"e": email},
        ).scalar()
    engine.dispose()
    assert token is not None and token.startswith("dbi_"), token
    return str(token)


@pytest.fixture
def as_admin(cli):
    made = cli("admin", "create", "--email", "admin@clinic.example", "--name", "Ada Admin",
               "--password-stdin", input=PW + "\n")
    assert made.exit_code == 0, made.output
    login = cli("login", "--email", "admin@clinic.example", "--password-stdin", input=PW + "\n")
    assert login.exit_code == 0
    return cli


def test_specialties_commands(as_admin):
    cli = as_admin
    assert cli("specialties", "add", "Cardiology").exit_code == 0
    dup = cli("specialties", "add", "CARDIOLOGY")
    assert dup.exit_code == 1 and "already exists" in dup.stderr
    assert cli("specialties", "add", "Dermatology").exit_code == 0
    assert cli("specialties", "rename", "dermatology", "Skin").exit_code == 0
    listed = json.loads(cli("specialties", "list", "--json").stdout)["specialties"]
    assert [s["name"] for s in listed] == ["Cardiology", "Skin"]
    assert cli("specialties", "remove", "skin").exit_code == 0
    gone = cli("specialties", "remove", "skin")
    assert gone.exit_code == 1 and "no specialty named" in gone.stderr
    bad = cli("specialties", "add", "!")
    assert bad.exit_code == 2


def test_invite_accept_profile_search_end_to_end(as_admin, fresh_db_url):
    """Brief acceptance 7 and 1b from the CLI (the e-mail read from the outbox row here;
    the dispatcher's .eml path is covered in the acceptance tests)."""
    cli = as_admin
    cli("specialties", "add", "Cardiology")
    inv = cli("invite", "Dr.Heart@example.com", "--name", "Dr Hannah Heart",
              "--specialty", "cardiology")
    assert inv.exit_code == 0, inv.output
    assert "queued" in inv.stdout and "dbi_" not in inv.stdout  # the token goes only by e-mail
    token = _latest_token(fresh_db_url, "dr.heart@example.com")

    accepted = cli("accept-invite", token, "--password-stdin", input=PW + "\n",
                   DOCTORBOOK_PROFILE="doctor")
    assert accepted.exit_code == 0, accepted.output
    # The token can come on stdin (first line) instead of argv, out of the process list.
    again = cli("accept-invite", "-", "--password-stdin", input=token + "\n" + PW + "\n")
    assert again.exit_code == 1 and "already used" in again.stderr

    cli("login", "--email", "dr.heart@example.com", "--password-stdin", input=PW + "\n",
        DOCTORBOOK_PROFILE="doctor")
    shown = json.loads(cli("profile", "show", "--json", DOCTORBOOK_PROFILE="doctor").stdout)
    assert shown["visible"] is False and "city" in shown["missing"]
    assert json.loads(cli("search", "--json").stdout)["results"] == []

    done = cli("profile", "set", "--price", "80", "--clinic", "Central Clinic", "--city",
               "Berlin", "--timezone", "Europe/Berlin", "--bio", "Hearts.",
               "--no-auto-confirm", DOCTORBOOK_PROFILE="doctor")
    assert done.exit_code == 0, done.output
    assert "visible to patients" in done.stdout
    results = json.loads(cli("search", "--specialty", "Cardiology", "--city", "berlin",
                             "--json").stdout)["results"]
    assert len(results) == 1
    row = results[0]
    assert set(row) >= {"doctor_id", "name", "specialties", "clinic", "city", "price", "rating",
                        "review_count", "next_slots"}
    assert row["name"] == "Dr Hannah Heart" and row["next_slots"] == []
    public = json.loads(cli("doctors", "show", str(row["doctor_id"]), "--json",
                            DOCTORBOOK_PROFILE="nobody").stdout)
    assert public["reviews"] == [] and public["rating"] is None and "email" not in public

    assert cli("doctors", "suspend", str(row["doctor_id"])).exit_code == 0
    assert json.loads(cli("search", "--json").stdout)["results"] == []
    hidden = cli("doctors", "show", str(row["doctor_id"]), DOCTORBOOK_PROFILE="nobody")
    assert hidden.exit_code == 1
    assert cli("doctors", "activate", str(row["doctor_id"])).exit_code == 0
    assert len(json.loads(cli("search", "--json").stdout)["results"]) == 1


def test_request_join_approve_reject(as_admin, fresh_db_url):
    cli = as_admin
    req = cli("request-join", "--email", "walk@example.com", "--name", "Dr Walk",
              "--message", "Hi!", DOCTORBOOK_PROFILE="anon")
    assert req.exit_code == 0, req.output
    cli("request-join", "--email", "nope@example.com", "--name", "Dr Nope",
        DOCTORBOOK_PROFILE="anon")
    listed = json.loads(cli("requests", "list", "--json").stdout)["requests"]
    ids = {r["email"]: r["id"] for r in listed}
    assert cli("requests", "approve", str(ids["walk@example.com"])).exit_code == 0
    _latest_token(fresh_db_url, "walk@example.com")
    assert cli("requests", "reject", str(ids["nope@example.com"])).exit_code == 0
    twice = cli("requests", "reject", str(ids["nope@example.com"]))
    assert twice.exit_code == 1 and "already rejected" in twice.stderr
    assert json.loads(cli("requests", "list", "--json").stdout)["requests"] == []
    everything = json.loads(cli("requests", "list", "--status", "all", "--json").stdout)
    assert {r["status"] for r in everything["requests"]} == {"approved", "rejected"}


def test_wrong_role_is_refused(cli, registered):
    registered()
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    for args in (
        ["specialties", "add", "Cardiology"],
        ["invite", "dr@example.com", "--name", "Dr X"],
        ["requests", "list"],
        ["requests", "approve", "1"],
        ["doctors", "suspend", "1"],
        ["profile", "show"],
        ["profile", "set", "--city", "Berlin"],
    ):
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "may not" in result.stderr, (args, result.stderr)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["accept-invite", "dbi_nonsense", "--password-stdin"], 1, "not valid"),
        (["requests", "list", "--status", "maybe"], 2, "--status must be one of"),
        (["requests", "approve", "0"], 2, "request id must be a whole number from 1 to"),
        (["requests", "approve", "abc"], 2, "request id must be a whole number from 1 to"),
        (["doctors", "show", "999"], 1, "no doctor 999"),
        (["search", "--specialty", "Nope"], 1, "no specialty named 'Nope'"),
        (["request-join", "--email", "bad", "--name", "X"], 2, "not a valid e-mail"),
        (["invite", "not-an-email", "--name", "X"], 2, "not a valid e-mail"),
        (["profile", "set", "--price", "-3"], 2, "0 or more"),
        (["profile", "set", "--timezone", "Mars/Base"], 2, "IANA"),
        (["profile", "set", "--slot-minutes", "x"], 2, "Invalid value"),
    ],
)
def test_bad_input(as_admin, args, code, message):
    cli = as_admin
    if args[0] == "profile":
        # a doctor is needed for profile commands to reach validation
        cli("invite", "doc@example.com", "--name", "Dr Doc")
        from tests.cli.test_doctors_commands import _latest_token as tok

        token = tok(cli.env["DOCTORBOOK_DATABASE_URL"], "doc@example.com")
        cli("accept-invite", token, "--password-stdin", input=PW + "\n")
        cli("login", "--email", "doc@example.com", "--password-stdin", input=PW + "\n")
    result = cli(*args, input=PW + "\n")
    assert result.exit_code == code, result.output
    assert message in result.stderr
