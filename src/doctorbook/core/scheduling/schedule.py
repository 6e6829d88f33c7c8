"""A doctor's weekly rules and per-date exceptions, in the clinic's local wall-clock time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from doctorbook.core.base import audit, live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import Conflict, NotFound, ValidationError
from doctorbook.core.base.models import Doctor, ScheduleException, ScheduleRule
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.base.text import clean_text

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EXCEPTION_KINDS = ("off", "hours", "extra")
MIN_SLOT, MAX_SLOT = 5, 480
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class RuleView:
    id: int
    weekday: int
    weekday_name: str
    start_time: time
    end_time: time
    slot_minutes: int
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True)
class ExceptionView:
    id: int
    date: date
    kind: str
    start_time: time | None
    end_time: time | None
    slot_minutes: int | None
    reason: str | None


@dataclass(frozen=True)
class ScheduleView:
    doctor_id: int
    timezone: str | None
    default_slot_minutes: int
    rules: tuple[RuleView, ...]
    exceptions: tuple[ExceptionView, ...]


# --- parsing and validation -------------------------------------------------------------------


def parse_weekday(value: str | int) -> int:
    """mon..sun (or the full English name, any case) or 0-6 -> 0 (Monday) .. 6 (Sunday)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= 6:
            return value
        raise ValidationError(f"a weekday number must be 0 (Monday) to 6 (Sunday), not {value}")
    cleaned = str(value).strip().lower()
    if cleaned in WEEKDAYS:
        return WEEKDAYS.index(cleaned)
    if cleaned in _FULL_WEEKDAYS:
        return _FULL_WEEKDAYS.index(cleaned)
    raise ValidationError(f"not a weekday: {value!r} (use one of {', '.join(WEEKDAYS)})")


def parse_hhmm(value: str | time, label: str = "time") -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = _HHMM.match(str(value).strip())
    if match is None:
        raise ValidationError(f"{label} must be HH:MM, e.g. 09:00, not {value!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValidationError(f"{label} is not a time of day: {value!r}")
    return time(hours, minutes)


def parse_date(value: str | date | None, label: str = "date") -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{label} must be YYYY-MM-DD, not {value!r}") from None


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def validate_window(start: time, end: time, slot_minutes: int) -> None:
    """End after start, a sane slot length, and a whole number of slots in the window."""
    if isinstance(slot_minutes, bool) or not isinstance(slot_minutes, int):
        raise ValidationError("slot minutes must be a whole number")
    if not MIN_SLOT <= slot_minutes <= MAX_SLOT:
        raise ValidationError(f"slot minutes must be from {MIN_SLOT} to {MAX_SLOT}")
    if slot_minutes % 5:
        raise ValidationError("slot minutes must be a multiple of 5")
    if end <= start:
        raise ValidationError(f"the end ({end:%H:%M}) must be after the start ({start:%H:%M})")
    length = _minutes(end) - _minutes(start)
    # A window that isn't a whole number of slots would leave a dead tail nobody can book;
    # say so rather than silently dropping it.
    if length % slot_minutes:
        raise ValidationError(
            f"{start:%H:%M}-{end:%H:%M} is {length} minutes, not a whole number of "
            f"{slot_minutes}-minute slots"
        )


def _overlaps(a_start: time, a_end: time, b_start: time, b_end: time) -> bool:
    return a_start < b_end and b_start < a_end


def _periods_meet(a: ScheduleRule, valid_from: date | None, valid_until: date | None) -> bool:
    lo = max(a.valid_from or date.min, valid_from or date.min)
    hi = min(a.valid_until or date.max, valid_until or date.max)
    return lo <= hi


# --- loading --------------------------------------------------------------------------------


def _own_doctor(uow: UnitOfWork, actor: Actor, *, lock: bool = False) -> Doctor:
    require(actor, Permission.SCHEDULE_MANAGE_OWN)
    assert actor.user_id is not None
    # The row lock serialises concurrent edits of one doctor's schedule, so two overlapping
    # rules added at once can't both pass the overlap check.
    doctor = uow.session.get(Doctor, actor.user_id, with_for_update=lock or None)
    if doctor is None:
        raise NotFound("you have no doctor profile")
    return doctor


def local_today(uow: UnitOfWork, timezone: str | None) -> date:
    """Today in the doctor's clinic (UTC when the doctor has no timezone yet)."""
    zone = ZoneInfo(timezone) if timezone else UTC
    return uow.now().astimezone(zone).date()


def rule_view(rule: ScheduleRule) -> RuleView:
    return RuleView(
        id=rule.id, weekday=rule.weekday, weekday_name=WEEKDAYS[rule.weekday],
        start_time=rule.start_time, end_time=rule.end_time, slot_minutes=rule.slot_minutes,
        valid_from=rule.valid_from, valid_until=rule.valid_until,
    )


def exception_view(exc: ScheduleException) -> ExceptionView:
    return ExceptionView(
        id=exc.id, date=exc.date, kind=exc.kind, start_time=exc.start_time,
        end_time=exc.end_time, slot_minutes=exc.slot_minutes, reason=exc.reason,
    )


# --- use cases --------------------------------------------------------------------------------


def show_schedule(uow: UnitOfWork, *, actor: Actor) -> ScheduleView:
    """The acting doctor's weekly rules and their exceptions from today on."""
    doctor = _own_doctor(uow, actor)
    rules = uow.session.scalars(
        select(ScheduleRule).where(ScheduleRule.doctor_id == doctor.user_id).order_by(
            ScheduleRule.weekday, ScheduleRule.start_time, ScheduleRule.id)
    )
    today = local_today(uow, doctor.timezone)
    exceptions = uow.session.scalars(
        select(ScheduleException)
        .where(ScheduleException.doctor_id == doctor.user_id, ScheduleException.date >= today)
        .order_by(ScheduleException.date, ScheduleException.start_time, ScheduleException.id)
    )
    return ScheduleView(
        doctor_id=doctor.user_id, timezone=doctor.timezone,
        default_slot_minutes=doctor.slot_minutes,
        rules=tuple(rule_view(r) for r in rules),
        exceptions=tuple(exception_view(e) for e in exceptions),
    )


def add_rule(
    uow: UnitOfWork,
    *,
    actor: Actor,
    weekday: str | int,
    start: str | time,
    end: str | time,
    slot_minutes: int | None = None,
    valid_from: str | date | None = None,
    valid_until: str | date | None = None,
) -> RuleView:
    """Add a weekly working window; one overlapping another on that weekday is refused."""
    doctor = _own_doctor(uow, actor, lock=True)
    day = parse_weekday(weekday)
    start_t, end_t = parse_hhmm(start, "start"), parse_hhmm(end, "end")
    length = doctor.slot_minutes if slot_minutes is None else slot_minutes
    validate_window(start_t, end_t, length)
    since = parse_date(valid_from, "valid from")
    until = parse_date(valid_until, "valid until")
    if since and until and until < since:
        raise ValidationError("valid until must not be before valid from")
    existing = uow.session.scalars(
        select(ScheduleRule).where(
            ScheduleRule.doctor_id == doctor.user_id, ScheduleRule.weekday == day)
    )
    for other in existing:
        if _overlaps(start_t, end_t, other.start_time, other.end_time) and _periods_meet(
                other, since, until):
            raise Conflict(
                f"overlaps rule {other.id} ({WEEKDAYS[day]} {other.start_time:%H:%M}-"
                f"{other.end_time:%H:%M}); remove it first or choose other hours"
            )
    rule = ScheduleRule(
        doctor_id=doctor.user_id, weekday=day, start_time=start_t, end_time=end_t,
        slot_minutes=length, valid_from=since, valid_until=until, created_at=uow.now(),
    )
    uow.session.add(rule)
    uow.session.flush()
    view = rule_view(rule)
    audit.record(uow, actor=actor, action="schedule.rule_added", entity_kind="schedule_rule",
                 entity_id=rule.id, data={
                     "weekday": view.weekday_name, "start": f"{start_t:%H:%M}",
                     "end": f"{end_t:%H:%M}", "slot_minutes": length,
                     "valid_from": since.isoformat() if since else None,
                     "valid_until": until.isoformat() if until else None})
    uow.changed(live.SLOTS, doctor.user_id)  # the schedule editor and its open slots
    uow.commit()
    return view


def remove_rule(uow: UnitOfWork, *, actor: Actor, rule_id: int) -> RuleView:
    """Remove one of the acting doctor's rules (another doctor's rule is not found)."""
    doctor = _own_doctor(uow, actor, lock=True)
    rule = uow.session.get(ScheduleRule, rule_id)
    # Another doctor's rule answers exactly like a missing one: ids don't leak ownership.
    if rule is None or rule.doctor_id != doctor.user_id:
        raise NotFound(f"you have no schedule rule {rule_id}")
    view = rule_view(rule)
    uow.session.delete(rule)
    audit.record(uow, actor=actor, action="schedule.rule_removed", entity_kind="schedule_rule",
                 entity_id=rule_id, data={"weekday": view.weekday_name,
                                          "start": f"{view.start_time:%H:%M}",
                                          "end": f"{view.end_time:%H:%M}"})
    uow.changed(live.SLOTS, doctor.user_id)  # the schedule editor and its open slots
    uow.commit()
    return view


def add_exception(
    uow: UnitOfWork,
    *,
    actor: Actor,
    on: str | date,
    kind: str,
    start: str | time | None = None,
    end: str | time | None = None,
    slot_minutes: int | None = None,
    reason: str | None = None,
) -> ExceptionView:
    """Override one date: `off`, changed `hours` (replace the rules) or `extra` hours."""
    doctor = _own_doctor(uow, actor, lock=True)
    day = parse_date(on)
    if day is None:
        raise ValidationError("a date is required (YYYY-MM-DD)")
    kind = str(kind).strip().lower()
    if kind not in EXCEPTION_KINDS:
        raise ValidationError(f"an exception is one of {', '.join(EXCEPTION_KINDS)}, not {kind!r}")
    if day < local_today(uow, doctor.timezone):
        raise ValidationError(f"{day} is in the past")
    start_t = end_t = None
    length: int | None = None
    if kind == "off":
        if start is not None or end is not None or slot_minutes is not None:
            raise ValidationError("a day off takes no start, end or slot length")
    else:
        if start is None or end is None:
            raise ValidationError(f"{kind} hours need both a start and an end (HH:MM)")
        start_t, end_t = parse_hhmm(start, "start"), parse_hhmm(end, "end")
        length = slot_minutes
        validate_window(start_t, end_t, doctor.slot_minutes if length is None else length)
    cleaned_reason = clean_text(reason, label="the reason", limit=200)

    same_day = list(uow.session.scalars(
        select(ScheduleException).where(
            ScheduleException.doctor_id == doctor.user_id, ScheduleException.date == day)
    ))
    for other in same_day:
        # A day off and hours on the same date contradict each other: refuse, don't guess.
        if kind == "off" or other.kind == "off":
            raise Conflict(f"{day} already has exception {other.id} ({other.kind}); "
                           "remove it first")
        assert start_t and end_t and other.start_time and other.end_time
        if _overlaps(start_t, end_t, other.start_time, other.end_time):
            raise Conflict(
                f"overlaps exception {other.id} on {day} ({other.kind} "
                f"{other.start_time:%H:%M}-{other.end_time:%H:%M})"
            )
    exc = ScheduleException(
        doctor_id=doctor.user_id, date=day, kind=kind, start_time=start_t, end_time=end_t,
        slot_minutes=length, reason=cleaned_reason, created_at=uow.now(),
    )
    uow.session.add(exc)
    uow.session.flush()
    view = exception_view(exc)
    audit.record(uow, actor=actor, action="schedule.exception_added",
                 entity_kind="schedule_exception", entity_id=exc.id, data={
                     "date": day.isoformat(), "kind": kind,
                     "start": f"{start_t:%H:%M}" if start_t else None,
                     "end": f"{end_t:%H:%M}" if end_t else None, "reason": cleaned_reason})
    uow.changed(live.SLOTS, doctor.user_id)  # the schedule editor and its open slots
    uow.commit()
    return view


def remove_exception(uow: UnitOfWork, *, actor: Actor, exception_id: int) -> ExceptionView:
    """Remove one of the acting doctor's exceptions (another doctor's is not found)."""
    doctor = _own_doctor(uow, actor, lock=True)
    exc = uow.session.get(ScheduleException, exception_id)
    if exc is None or exc.doctor_id != doctor.user_id:
        raise NotFound(f"you have no schedule exception {exception_id}")
    view = exception_view(exc)
    uow.session.delete(exc)
    audit.record(uow, actor=actor, action="schedule.exception_removed",
                 entity_kind="schedule_exception", entity_id=exception_id,
                 data={"date": view.date.isoformat(), "kind": view.kind})
    uow.changed(live.SLOTS, doctor.user_id)  # the schedule editor and its open slots
    uow.commit()
    return view
