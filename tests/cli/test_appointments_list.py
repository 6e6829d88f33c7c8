"""`appointments list`: real query with permissions, empty state, JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from tests.cli.conftest import PW


def _insert_appointment(url: str, patient: str, doctor: str, start: datetime) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = dict(conn.execute(text("SELECT email, id FROM users")).all())
        conn.execute(
            text(
                "INSERT INTO appointments (patient_id, doctor_id, starts_at, ends_at, status,"
                " created_at, updated_at) VALUES (:p, :d, :s, :e, 'confirmed', :s, :s)"
            ),
            {"p": ids[patient], "d": ids[doctor], "s": start, "e": start + timedelta(minutes=30)},
        )
    engine.dispose()


def test_new_patient_sees_empty_list(cli, registered):
    registered()
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    result = cli("appointments", "list")
    assert result.exit_code == 0
    assert "No appointments yet" in result.stdout
    as_json = cli("appointments", "list", "--json")
    assert json.loads(as_json.stdout) == {"scope": "all", "appointments": []}


def test_patient_sees_only_own(cli, registered, fresh_db_url):
    registered("ann@example.com", "Ann Smith")
    registered("bob@example.com", "Bob Jones")
    registered("doc@example.com", "Dr Who")
    start = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    _insert_appointment(fresh_db_url, "bob@example.com", "doc@example.com", start)
    _insert_appointment(fresh_db_url, "ann@example.com", "doc@example.com",
                        start - timedelta(days=2))
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    mine = json.loads(cli("appointments", "list", "--json").stdout)["appointments"]
    assert [a["patient_name"] for a in mine] == ["Ann Smith"]
    upcoming = json.loads(cli("appointments", "list", "--upcoming", "--json").stdout)
    assert upcoming["appointments"] == []
    past = json.loads(cli("appointments", "list", "--past", "--json").stdout)
    assert len(past["appointments"]) == 1
    table = cli("appointments", "list")
    assert "Dr Who" in table.stdout and "Bob" not in table.stdout
