"""CLI: the nightly `slots generate` (one summary line, a bar only for a person) and `prune`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from typer.testing import Result, _NamedTextIOWrapper

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from doctorbook.core.scheduling import schedule
from tests.cli.conftest import PW, Cli
from tests.conftest import make_user
from tests.schedule.conftest import make_doctor
from tests.search.conftest import add_slot, make_visible_doctor

# The CLI's clock reads Tue 24 Nov 2026 09:00Z (10:00 in Berlin).
YESTERDAY_09 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
YESTERDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
YESTERDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FRIDAY_10 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # open, but in no schedule

# Colours and cursor moves: what a terminal acts on rather than shows.
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

SUMMARY = "2 doctors, 7 days: 8 slots created, 1 open slots removed, 3 past slots pruned"


@dataclass(frozen=True)
class Night:
    """House (Wednesdays 09:00-12:00, 30 min) with yesterday's two open slots and a blocked
    one, and an open Friday slot his schedule lacks; Cameron (Thursdays 14:00-16:00, 60 min);
    a third doctor with no timezone yet. The admin and the desk are logged in."""

    cli: Cli
    house: int
    nobody: int

    def __call__(self, who: str, *args: str) -> Result:
        return self.cli(*args, DOCTORBOOK_PROFILE=who, COLUMNS="200")


@pytest.fixture
def night(cli: Cli, db: Database) -> Night:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
        make_user(uow, email="desk@clinic.example", name="Rita Desk", role=Role.RECEPTIONIST)
        house = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr Gregory House")
        cameron = make_visible_doctor(uow, admin, "cameron@clinic.example",
                                      name="Dr Allison Cameron")
        nobody = make_doctor(uow, admin, "new@clinic.example", timezone=None)
        schedule.add_rule(uow, actor=house, weekday="wed", start="09:00", end="12:00")
        schedule.add_rule(uow, actor=cameron, weekday="thu", start="14:00", end="16:00",
                          slot_minutes=60)
        doctor = house.user_id or 0
        add_slot(uow, doctor, YESTERDAY_09)
        add_slot(uow, doctor, YESTERDAY_10)
        add_slot(uow, doctor, YESTERDAY_11, status="blocked")
        add_slot(uow, doctor, FRIDAY_10)
    for profile, email in (("admin", "admin@clinic.example"), ("desk", "desk@clinic.example")):
        login = cli("login", "--email", email, "--password-stdin", input=PW + "\n",
                    DOCTORBOOK_PROFILE=profile)
        assert login.exit_code == 0, login.output
    return Night(cli, doctor, nobody.user_id or 0)


def _as_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's captured stdout claims to be a terminal, as a person's shell is."""
    monkeypatch.setattr(_NamedTextIOWrapper, "isatty", lambda self: True, raising=False)


def test_cron_gets_one_summary_line_and_the_skipped_doctor(night: Night) -> None:
    out = night("admin", "slots", "generate", "--days", "7")
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == [
        SUMMARY,
        f"skipped doctor {night.nobody}: doctor {night.nobody} has no timezone; set it with "
        "`doctorbook profile set --timezone ZONE`",
    ]
    again = night("admin", "slots", "generate", "--days", "7")
    assert again.stdout.splitlines()[0] == (
        "2 doctors, 7 days: 0 slots created, 0 open slots removed, 0 past slots pruned")


def test_json_reports_the_pruned_slots(night: Night) -> None:
    out = night("admin", "slots", "generate", "--days", "7", "--json")
    data = json.loads(out.stdout)
    assert (data["created"], data["removed"], data["pruned"]) == (8, 1, 3)
    house = next(d for d in data["doctors"] if d["doctor_id"] == night.house)
    assert (house["created"], house["removed"], house["pruned"]) == (6, 1, 3)


def test_a_person_at_a_terminal_sees_the_counts_go_by(
    night: Night, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_a_terminal(monkeypatch)
    out = night("admin", "slots", "generate", "--days", "7")
    assert out.exit_code == 0, out.output
    shown = ESCAPES.sub("", out.stdout)
    # The bar's last frame (all three doctors done), then the same summary as cron's.
    assert "Generating slots" in shown
    assert "3/3 doctors, 8 slots created" in shown
    assert SUMMARY in shown.splitlines()
    # --json stays one clean document even on a terminal.
    quiet = night("admin", "slots", "generate", "--days", "7", "--json")
    assert "Generating" not in quiet.stdout
    assert json.loads(quiet.stdout)["created"] == 0


def test_prune_alone_for_a_separate_cron(night: Night) -> None:
    out = night("admin", "slots", "prune")
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == ["3 doctors: 3 past slots pruned"]
    again = json.loads(night("admin", "slots", "prune", "--json").stdout)
    assert again == {"pruned": 0, "doctors_checked": 3, "doctors": []}
    # Nothing but the past went: generate still finds the Friday slot to remove.
    data = json.loads(night("admin", "slots", "generate", "--days", "7", "--json").stdout)
    assert (data["removed"], data["pruned"]) == (1, 0)


def test_prune_is_for_admins(night: Night) -> None:
    refused = night("desk", "slots", "prune")
    assert refused.exit_code == 1
    assert "may not do this" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    # Nothing was pruned by the refused call.
    assert night("admin", "slots", "prune").stdout.splitlines() == [
        "3 doctors: 3 past slots pruned"]
