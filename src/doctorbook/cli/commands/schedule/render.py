"""Rendering schedule views: JSON documents and Rich tables."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from doctorbook.core.scheduling.schedule import ExceptionView, RuleView, ScheduleView


def hhmm(value: time | None) -> str | None:
    return None if value is None else f"{value:%H:%M}"


def rule_json(rule: RuleView) -> dict[str, Any]:
    return {
        "id": rule.id, "weekday": rule.weekday_name, "start": hhmm(rule.start_time),
        "end": hhmm(rule.end_time), "slot_minutes": rule.slot_minutes,
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
        "valid_until": rule.valid_until.isoformat() if rule.valid_until else None,
    }


def exception_json(exc: ExceptionView) -> dict[str, Any]:
    return {
        "id": exc.id, "date": exc.date.isoformat(), "kind": exc.kind,
        "start": hhmm(exc.start_time), "end": hhmm(exc.end_time),
        "slot_minutes": exc.slot_minutes, "reason": exc.reason,
    }


def schedule_json(view: ScheduleView) -> dict[str, Any]:
    return {
        "doctor_id": view.doctor_id, "timezone": view.timezone,
        "default_slot_minutes": view.default_slot_minutes,
        "rules": [rule_json(r) for r in view.rules],
        "exceptions": [exception_json(e) for e in view.exceptions],
    }


def describe_rule(rule: RuleView) -> str:
    valid = ""
    if rule.valid_from or rule.valid_until:
        valid = (f" (valid {rule.valid_from or '…'} to {rule.valid_until or '…'})")
    return (f"rule {rule.id}: {rule.weekday_name} {hhmm(rule.start_time)}-{hhmm(rule.end_time)},"
            f" {rule.slot_minutes}-minute slots{valid}")


def describe_exception(exc: ExceptionView) -> str:
    what = "day off" if exc.kind == "off" else (
        f"{'extra hours' if exc.kind == 'extra' else 'hours'} "
        f"{hhmm(exc.start_time)}-{hhmm(exc.end_time)}")
    return f"exception {exc.id}: {exc.date} {what}" + (f" ({exc.reason})" if exc.reason else "")
