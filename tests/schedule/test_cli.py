"""The schedule and slots commands: output, JSON, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text


def test_schedule_round_trip_and_generate(run, tokens):
    doc = tokens["doctor"]
    result = run("schedule", "add-rule", "--weekday", "mon", "--start", "09:00", "--end",
                 "12:00", token=doc)
    assert result.exit_code == 0, result.output
    assert "mon 09:00-12:00, 30-minute slots" in result.stdout
    result = run("schedule", "add-rule", "--weekday", "wed", "--start", "14:00", "--end",
                 "16:00", "--slot-minutes", "60", "--valid-from", "2026-11-01", token=doc)
    assert result.exit_code == 0, result.output
    result = run("schedule", "add-exception", "--date", "2026-12-07", "--off", "--reason",
                 "congress", token=doc)
    assert result.exit_code == 0 and "2026-12-07 day off (congress)" in result.stdout
    result = run("schedule", "add-exception", "--date", "2026-12-09", "--start", "18:00",
                 "--end", "19:00", "--extra", token=doc)
    assert result.exit_code == 0 and "extra hours 18:00-19:00" in result.stdout

    shown = json.loads(run("schedule", "show", "--json", token=doc).stdout)
    assert shown["timezone"] == "Europe/Berlin"
    assert [(r["weekday"], r["start"], r["end"], r["slot_minutes"]) for r in shown["rules"]] == [
        ("mon", "09:00", "12:00", 30), ("wed", "14:00", "16:00", 60)]
    assert [(e["date"], e["kind"]) for e in shown["exceptions"]] == [
        ("2026-12-07", "off"), ("2026-12-09", "extra")]
    human = run("schedule", "show", token=doc)
    assert human.exit_code == 0 and "Weekly rules" in human.stdout

    generated = json.loads(run("slots", "generate", "--days", "16", "--json", token=doc).stdout)
    # 24 Nov-9 Dec: Wed 25, Mon 30, Wed 2, Wed 9 (+2 extra); Mon 7 Dec is off.
    assert (generated["created"], generated["removed"]) == (2 + 6 + 2 + 2 + 2, 0)
    assert generated["booked_conflicts"] == []
    again = run("slots", "generate", "--days", "16", token=doc)
    assert again.exit_code == 0
    assert ("1 doctors, 16 days: 0 slots created, 0 open slots removed, 0 past slots pruned"
            in again.stdout)

    rule_id, exc_id = shown["rules"][0]["id"], shown["exceptions"][0]["id"]
    assert run("schedule", "remove-rule", str(rule_id), token=doc).exit_code == 0
    assert run("schedule", "remove-exception", str(exc_id), token=doc).exit_code == 0
    shown = json.loads(run("schedule", "show", "--json", token=doc).stdout)
    assert len(shown["rules"]) == 1 and len(shown["exceptions"]) == 1


def test_generate_lists_booked_slots_an_exception_now_covers(run, tokens, db):
    doc = tokens["doctor"]
    run("schedule", "add-rule", "--weekday", "mon", "--start", "09:00", "--end", "10:00",
        token=doc)
    assert run("slots", "generate", "--days", "7", token=doc).exit_code == 0
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE availability_slots SET status = 'booked' "
                          "WHERE starts_at = '2026-11-30 08:00+00'"))
    run("schedule", "add-exception", "--date", "2026-11-30", "--off", token=doc)
    result = run("slots", "generate", "--days", "7", token=doc)
    assert result.exit_code == 0, result.output
    assert "1 open slots removed" in result.stdout
    assert "1 booked slot(s) are no longer in the schedule" in result.stdout
    assert "Mon 2026-11-30 09:00 CET" in result.stdout
    admin = json.loads(run("slots", "generate", "--days", "7", "--json",
                           token=tokens["admin"]).stdout)
    [conflict] = admin["booked_conflicts"]
    assert conflict["reason"] == "day off" and conflict["starts_at"].startswith("2026-11-30T08")


@pytest.mark.parametrize(("args", "who", "code", "message"), [
    (["schedule", "add-rule", "--weekday", "funday", "--start", "09:00", "--end", "10:00"],
     "doctor", 2, "not a weekday"),
    (["schedule", "add-rule", "--weekday", "mon", "--start", "10:00", "--end", "09:00"],
     "doctor", 2, "must be after the start"),
    (["schedule", "add-exception", "--date", "2026-12-07", "--off", "--start", "09:00"],
     "doctor", 2, "either --off or --start/--end"),
    (["schedule", "add-exception", "--date", "2026-12-07"], "doctor", 2, "give --off"),
    (["schedule", "add-exception", "--date", "07/12/2026", "--off"], "doctor", 2,
     "YYYY-MM-DD"),
    (["schedule", "remove-rule", "12345"], "doctor", 1, "no schedule rule 12345"),
    (["schedule", "show"], "patient", 1, "may not do this"),
    (["schedule", "show"], "", 1, "not logged in"),
    (["slots", "generate", "--days", "0"], "doctor", 2, "--days must be from 1"),
    (["slots", "generate"], "patient", 1, "may not do this"),
    (["slots", "generate", "--doctor", "999999"], "admin", 1, "no doctor 999999"),
])
def test_bad_input_and_refusals_are_one_line(run, tokens, args, who, code, message):
    result = run(*args, token=tokens[who] if who else "")
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and "DOCTORBOOK_NOW is set" not in line]
    assert len(lines) == 1 and message in lines[0], result.stderr
