"""CLI: `audit list` (admin only), its filters, table and JSON."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_booking_commands import (
    IN_3_DAYS_10,
    PEOPLE,
    Clinic,
    one_line_error,
    seed_clinic,
)


@pytest.fixture
def booked(cli, db) -> tuple[Clinic, int]:
    """Alice booked Dr Wilson and then cancelled; everyone has logged in."""
    clinic = seed_clinic(cli, db)
    appointment = clinic.book("alice", clinic.slot(db, clinic.wilson, IN_3_DAYS_10))
    cancelled = clinic("alice", "appointments", "cancel", str(appointment))
    assert cancelled.exit_code == 0, cancelled.output
    return clinic, appointment


def test_only_admins_read_the_audit_log(booked):
    clinic, _ = booked
    for who in ("alice", "desk", "house"):
        one_line_error(clinic(who, "audit", "list"), 1, "may not")
    one_line_error(clinic("nobody", "audit", "list", "--json"), 1, "not logged in")


def test_entity_filter_json_newest_first(booked):
    clinic, appointment = booked
    out = clinic("admin", "audit", "list", "--entity", f"appointment:{appointment}", "--json")
    assert out.exit_code == 0, out.output
    entries = json.loads(out.stdout)["entries"]
    assert [e["action"] for e in entries] == ["appointment.cancelled", "appointment.booked"]
    for entry in entries:
        assert set(entry) == {"id", "at", "actor_id", "actor_role", "action", "entity_kind",
                              "entity_id", "data"}
        assert entry["entity_kind"] == "appointment"
        assert entry["entity_id"] == str(appointment)
        assert entry["actor_id"] == clinic.alice and entry["actor_role"] == "patient"
        assert entry["at"].startswith("2026-11-24T09:00:00")
    assert entries[0]["data"]["by"] == "patient" and entries[0]["data"]["to"] == "cancelled"
    # A whole kind, and a kind:id nobody has.
    kind = json.loads(clinic("admin", "audit", "list", "--entity", "appointment",
                             "--json").stdout)["entries"]
    assert len(kind) == 2
    none = clinic("admin", "audit", "list", "--entity", "appointment:999999")
    assert none.exit_code == 0 and "No audit entries match." in none.stdout


def test_actor_since_and_action_filters(booked):
    clinic, _ = booked

    def actions(*args: str) -> list[str]:
        out = clinic("admin", "audit", "list", *args, "--json")
        assert out.exit_code == 0, out.output
        return [e["action"] for e in json.loads(out.stdout)["entries"]]

    alice = actions("--actor", PEOPLE["alice"].upper())
    assert "appointment.booked" in alice and "appointment.cancelled" in alice
    assert all(e["actor_id"] == clinic.alice for e in json.loads(clinic(
        "admin", "audit", "list", "--actor", PEOPLE["alice"], "--json").stdout)["entries"])
    assert "appointment.booked" not in actions("--actor", PEOPLE["bob"])
    assert actions("--actor", "stranger@example.com") == []
    # Every entry was written at the test's "now", 2026-11-24T09:00Z: a day or two either
    # side of it is on the right side of midnight in any timezone.
    assert len(actions("--since", "2026-11-23")) == len(actions())
    assert actions("--since", "2026-11-26") == []
    assert actions("--action", "appointment.booked", "--actor", PEOPLE["alice"]) == [
        "appointment.booked"]
    assert len(actions("--limit", "1")) == 1


def test_table_shows_time_actor_action_entity_data(booked):
    clinic, appointment = booked
    out = clinic("admin", "audit", "list", "--entity", f"appointment:{appointment}",
                 COLUMNS="200")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert any(all(h in line for h in ("Time", "Actor", "Action", "Entity", "Data"))
               for line in lines)
    cancelled = next(line for line in lines if "appointment.cancelled" in line)
    assert f"appointment:{appointment}" in cancelled and "patient" in cancelled
    assert "from=confirmed to=cancelled by=patient late=false" in cancelled
    booked_line = next(line for line in lines if "appointment.booked" in line)
    assert "from=null to=confirmed" in booked_line and "2026-11-2" in booked_line


@pytest.mark.parametrize(("args", "message"), [
    (["--entity", "appointment:"], "--entity must be KIND:ID"),
    (["--entity", ":12"], "--entity must be KIND:ID"),
    (["--since", "yesterday"], "--since must be YYYY-MM-DD"),
    (["--since", "2026-02-30"], "--since must be YYYY-MM-DD"),
])
def test_bad_filters_are_usage_errors(cli, args, message):
    one_line_error(cli("audit", "list", *args), 2, message)


def test_bad_limit_is_a_usage_error(cli):
    out = cli("audit", "list", "--limit", "0")
    assert out.exit_code == 2 and "Invalid value" in out.stderr
