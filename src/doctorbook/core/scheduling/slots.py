"""Materialising open slots from the schedule rules, idempotently and DST-safely."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from doctorbook.core.base import audit, live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import NotFound, PermissionDenied, PolicyViolation, ValidationError
from doctorbook.core.base.models import Doctor, ScheduleException, ScheduleRule
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.scheduling.schedule import ExceptionView, RuleView, exception_view, rule_view

DEFAULT_DAYS = 60
MAX_DAYS = 366

#: Called after each doctor with (doctors done, doctors in total).
Progress = Callable[[int, int], None]
#: Called after each doctor with (doctors done, doctors in total, slots created so far): what
#: the CLI's progress bar shows. Apart from `Progress` so its two-argument callers stay valid.
Tally = Callable[[int, int, int], None]


@dataclass(frozen=True)
class BookedConflict:
    """A booked slot the schedule no longer produces: reported, never cancelled."""

    slot_id: int
    doctor_id: int
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    reason: str


@dataclass(frozen=True)
class DoctorGeneration:
    doctor_id: int
    created: int
    removed: int
    conflicts: tuple[BookedConflict, ...]
    #: Past slots with no appointment ever attached, deleted (retention).
    pruned: int = 0


@dataclass(frozen=True)
class GenerationReport:
    days: int
    doctors: tuple[DoctorGeneration, ...]
    #: (doctor id, why) for doctors that could not be generated, e.g. no timezone yet.
    skipped: tuple[tuple[int, str], ...]

    @property
    def created(self) -> int:
        return sum(d.created for d in self.doctors)

    @property
    def removed(self) -> int:
        return sum(d.removed for d in self.doctors)

    @property
    def pruned(self) -> int:
        return sum(d.pruned for d in self.doctors)

    @property
    def conflicts(self) -> tuple[BookedConflict, ...]:
        return tuple(c for d in self.doctors for c in d.conflicts)


@dataclass(frozen=True)
class Window:
    """Working hours on one local date, cut into slots of `slot_minutes`."""

    start: time
    end: time
    slot_minutes: int


# --- planning (pure: no database, so DST properties are tested directly) ----------------------


def windows_for(
    day: date,
    rules: Iterable[RuleView],
    exceptions: Iterable[ExceptionView],
    default_slot_minutes: int,
) -> list[Window]:
    """The working windows of one local date: rules, unless an exception says otherwise."""
    todays = [e for e in exceptions if e.date == day]
    if any(e.kind == "off" for e in todays):
        return []
    changed = [e for e in todays if e.kind == "hours"]
    windows: list[Window]
    if changed:
        windows = [_exception_window(e, default_slot_minutes) for e in changed]
    else:
        windows = [
            Window(r.start_time, r.end_time, r.slot_minutes) for r in rules
            if r.weekday == day.weekday()
            and (r.valid_from is None or r.valid_from <= day)
            and (r.valid_until is None or day <= r.valid_until)
        ]
    windows += [_exception_window(e, default_slot_minutes) for e in todays if e.kind == "extra"]
    return windows


def _exception_window(exc: ExceptionView, default_slot_minutes: int) -> Window:
    assert exc.start_time is not None and exc.end_time is not None
    return Window(exc.start_time, exc.end_time, exc.slot_minutes or default_slot_minutes)


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The instant of a local wall time, or None if the clocks skip it (spring forward).

    A wall time that happens twice (autumn) resolves to its first occurrence (fold=0), so it
    is produced exactly once.
    """
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    # A skipped wall time doesn't survive the round trip: it lands an hour off.
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return instant


def plan(
    rules: Sequence[RuleView],
    exceptions: Sequence[ExceptionView],
    *,
    zone: ZoneInfo,
    first: date,
    last: date,
    default_slot_minutes: int,
    not_before: datetime | None = None,
) -> list[tuple[datetime, datetime]]:
    """Every slot (UTC start, UTC end) the schedule produces for local dates first..last.

    Starts step through local wall-clock time, so 08:00 stays 08:00 across a DST change;
    each slot lasts its length in absolute time. A slot that would overlap an earlier one
    (a window straddling a spring-forward gap, or an extra window overlapping the rules) is
    dropped: the earlier slot wins, and the database would refuse the overlap anyway.
    """
    candidates: set[tuple[datetime, datetime]] = set()
    day = first
    while day <= last:
        for window in windows_for(day, rules, exceptions, default_slot_minutes):
            length = timedelta(minutes=window.slot_minutes)
            minute = window.start.hour * 60 + window.start.minute
            end_minute = window.end.hour * 60 + window.end.minute
            while minute + window.slot_minutes <= end_minute:
                start = local_instant(day, time(minute // 60, minute % 60), zone)
                if start is not None and (not_before is None or start >= not_before):
                    candidates.add((start, start + length))
                minute += window.slot_minutes
        day += timedelta(days=1)
    kept: list[tuple[datetime, datetime]] = []
    for start, end in sorted(candidates):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


# --- generation -------------------------------------------------------------------------------


def generate(
    uow: UnitOfWork,
    *,
    actor: Actor,
    days: int = DEFAULT_DAYS,
    doctor_id: int | None = None,
    progress: Progress | None = None,
    tally: Tally | None = None,
) -> GenerationReport:
    """Materialise open slots from today (each clinic's local date) for `days` days.

    A doctor generates their own; an admin (or cron as admin) one doctor or all. One
    transaction per doctor, so a big run never holds every doctor's lock at once. Open slots
    the schedule no longer produces are deleted; booked ones are reported, never touched.
    Past slots no appointment ever held are pruned (see `prune`), so the table stays the
    size of the horizon.
    """
    require(actor, Permission.SLOTS_GENERATE)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"days must be from 1 to {MAX_DAYS}")
    assert actor.user_id is not None
    if not actor.can(Permission.DOCTORS_MANAGE):
        if doctor_id is not None and doctor_id != actor.user_id:
            raise PermissionDenied("a doctor generates only their own slots")
        doctor_id = actor.user_id
    ids = _doctors(uow, doctor_id)

    results: list[DoctorGeneration] = []
    skipped: list[tuple[int, str]] = []
    created = 0
    for done, one in enumerate(ids, start=1):
        outcome = _generate_one(uow, actor=actor, doctor_id=one, days=days)
        if isinstance(outcome, str):
            if doctor_id is not None:
                raise PolicyViolation(outcome)
            skipped.append((one, outcome))
        else:
            results.append(outcome)
            created += outcome.created
        uow.commit_now()
        if progress is not None:
            progress(done, len(ids))
        if tally is not None:
            tally(done, len(ids), created)
    return GenerationReport(days=days, doctors=tuple(results), skipped=tuple(skipped))


def _doctors(uow: UnitOfWork, doctor_id: int | None) -> list[int]:
    """The doctors a batch goes through: `doctor_id` (which must exist) or every one. Ends the
    read transaction: the batch commits as it goes (commit_now, even inside the boundary), each
    doctor a short transaction of its own, never one that holds thousands for minutes."""
    if doctor_id is not None:
        if uow.session.get(Doctor, doctor_id) is None:
            raise NotFound(f"no doctor {doctor_id}")
        ids = [doctor_id]
    else:
        ids = list(uow.session.scalars(select(Doctor.user_id).order_by(Doctor.user_id)))
    uow.commit_now()
    return ids


@dataclass(frozen=True)
class PruneReport:
    #: (doctor id, past slots deleted) for each doctor that had any.
    doctors: tuple[tuple[int, int], ...]
    #: How many doctors were looked at.
    checked: int

    @property
    def pruned(self) -> int:
        return sum(n for _, n in self.doctors)


def prune(
    uow: UnitOfWork,
    *,
    actor: Actor,
    doctor_id: int | None = None,
) -> PruneReport:
    """Delete past slots no appointment ever held (admins; `slots generate` does it too).

    Only retention, for a cron that prunes apart from generating. A slot any appointment
    points at, cancelled or not, is history and stays. One transaction per doctor, like
    `generate`, so the deletes never hold many doctors' rows at once.
    """
    require(actor, Permission.SLOTS_GENERATE)
    require(actor, Permission.DOCTORS_MANAGE)
    ids = _doctors(uow, doctor_id)
    pruned: list[tuple[int, int]] = []
    for one in ids:
        count = _prune_one(uow, doctor_id=one, now=uow.now())
        if count:
            uow.changed(live.SLOTS, one)
            audit.record(uow, actor=actor, action="slots.pruned", entity_kind="doctor",
                         entity_id=one, data={"pruned": count})
            pruned.append((one, count))
        uow.commit_now()
    return PruneReport(doctors=tuple(pruned), checked=len(ids))


# The overlap with (-inf, :now) lets the exclusion constraint's GiST index on (doctor_id,
# tstzrange) bound the scan to the doctor's past; `ends_at < :now` keeps a slot under way.
# The CAST: psycopg sends a small int as int2, and btree_gist's int8 class has no int8 = int2
# operator, so without it that index can't be used. `status <> 'booked'` is re-checked on a
# row a concurrent booking has just updated, so a slot being booked right now is never deleted.
# The anti-join keeps a slot any appointment ever held (completed, no-show, cancelled): that
# is history. appointments.slot_id has only a partial index (live visits), so matching on
# slot_id alone seq-scanned every appointment once per doctor (38 s for 400 doctors and 460k
# appointments); a booking copies the slot's doctor into the appointment (and a reschedule
# stays with that doctor), so `a.doctor_id` narrows it through the doctor's index to their
# own appointments.
_PRUNE_PAST = """
DELETE FROM availability_slots s
WHERE s.doctor_id = CAST(:doctor AS bigint)
  AND tstzrange(s.starts_at, s.ends_at) && tstzrange(NULL, :now)
  AND s.ends_at < :now AND s.status <> 'booked'
  AND NOT EXISTS (
    SELECT 1 FROM appointments a WHERE a.doctor_id = :doctor AND a.slot_id = s.id)
"""


def _prune_one(uow: UnitOfWork, *, doctor_id: int, now: datetime) -> int:
    result = uow.session.execute(text(_PRUNE_PAST), {"doctor": doctor_id, "now": now})
    return int(result.rowcount)  # type: ignore[attr-defined]


# The planned slots, sent as two texts of epoch seconds ("{1764921600,...}", built in
# `_epochs`): psycopg adapting 2,880 datetimes per doctor, three times over, was a third of
# a whole generation's time; these are cheap to build, to send and for the server to read.
_PLANNED = """(
    SELECT to_timestamp(p.s) AS starts_at, to_timestamp(p.e) AS ends_at
    FROM unnest(CAST(:starts AS bigint[]), CAST(:ends AS bigint[])) AS p(s, e))"""

_DELETE_STALE = """
DELETE FROM availability_slots s
WHERE s.doctor_id = :doctor AND s.status = 'open'
  AND s.starts_at >= :since AND s.starts_at < :until
  AND NOT EXISTS (
    SELECT 1 FROM {planned} AS w
    WHERE w.starts_at = s.starts_at AND w.ends_at = s.ends_at)
""".replace("{planned}", _PLANNED)

# No conflict target: DO NOTHING then also covers the exclusion constraint, so a planned slot
# overlapping a booked (or blocked) one is skipped instead of failing the run.
_INSERT_PLANNED = """
INSERT INTO availability_slots (doctor_id, starts_at, ends_at, status)
SELECT :doctor, w.starts_at, w.ends_at, 'open'
FROM {planned} AS w
ORDER BY w.starts_at
ON CONFLICT DO NOTHING
""".replace("{planned}", _PLANNED)

_BOOKED_UNPLANNED = """
SELECT s.id, s.starts_at, s.ends_at FROM availability_slots s
WHERE s.doctor_id = CAST(:doctor AS bigint) AND s.status = 'booked'
  -- The overlap reads the GiST index (doctor_id, tstzrange); the bounds keep the meaning.
  AND tstzrange(s.starts_at, s.ends_at) && tstzrange(:since, :until)
  AND s.starts_at >= :since AND s.starts_at < :until
  AND NOT EXISTS (
    SELECT 1 FROM {planned} AS w
    WHERE w.starts_at = s.starts_at AND w.ends_at = s.ends_at)
ORDER BY s.starts_at
""".replace("{planned}", _PLANNED)


def _generate_one(
    uow: UnitOfWork, *, actor: Actor, doctor_id: int, days: int
) -> DoctorGeneration | str:
    # Locking the doctor serialises two generations (or a generation and a schedule edit)
    # for one doctor; different doctors proceed in parallel.
    doctor = uow.session.get(Doctor, doctor_id, with_for_update=True)
    if doctor is None:
        return f"doctor {doctor_id} no longer exists"
    if not doctor.timezone:
        return (f"doctor {doctor_id} has no timezone; set it with "
                "`doctorbook profile set --timezone ZONE`")
    zone = ZoneInfo(doctor.timezone)
    now = uow.now()
    first = now.astimezone(zone).date()
    last = first + timedelta(days=days - 1)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)

    rules = [rule_view(r) for r in uow.session.scalars(
        select(ScheduleRule).where(ScheduleRule.doctor_id == doctor_id))]
    exceptions = [exception_view(e) for e in uow.session.scalars(
        select(ScheduleException).where(
            ScheduleException.doctor_id == doctor_id,
            ScheduleException.date >= first, ScheduleException.date <= last))]
    planned = plan(rules, exceptions, zone=zone, first=first, last=last,
                   default_slot_minutes=doctor.slot_minutes, not_before=now)
    params = {
        "doctor": doctor_id, "since": now, "until": until, "now": now,
        "starts": _epochs(s for s, _ in planned), "ends": _epochs(e for _, e in planned),
    }
    # Delete before insert: a changed slot length replaces open slots it would overlap.
    removed = uow.session.execute(text(_DELETE_STALE), params).rowcount  # type: ignore[attr-defined]
    created = uow.session.execute(text(_INSERT_PLANNED), params).rowcount  # type: ignore[attr-defined]
    pruned = _prune_one(uow, doctor_id=doctor_id, now=now)
    by_date: dict[date, list[ExceptionView]] = {}
    for exc in exceptions:
        by_date.setdefault(exc.date, []).append(exc)
    conflicts: list[BookedConflict] = []
    for slot_id, starts_at, ends_at in uow.session.execute(text(_BOOKED_UNPLANNED), params):
        local = starts_at.astimezone(zone)
        conflicts.append(BookedConflict(
            slot_id=slot_id, doctor_id=doctor_id, starts_at=starts_at, ends_at=ends_at,
            local_start=local, reason=_why_unplanned(by_date.get(local.date(), [])),
        ))
    if created or removed or pruned:
        uow.changed(live.SLOTS, doctor_id)
    if created or removed or pruned or conflicts:
        audit.record(uow, actor=actor, action="slots.generated", entity_kind="doctor",
                     entity_id=doctor_id, data={
                         "days": days, "created": created, "removed": removed,
                         "pruned": pruned,
                         "booked_conflicts": [c.slot_id for c in conflicts]})
    return DoctorGeneration(doctor_id=doctor_id, created=created, removed=removed,
                            conflicts=tuple(conflicts), pruned=pruned)


def _epochs(instants: Iterable[datetime]) -> str:
    """Instants (whole seconds, as planned) as PostgreSQL's text of a bigint array of epoch
    seconds, for `_PLANNED`."""
    return "{" + ",".join(str(int(instant.timestamp())) for instant in instants) + "}"


def _why_unplanned(exceptions: list[ExceptionView]) -> str:
    for exc in exceptions:
        if exc.kind == "off":
            return "day off" + (f": {exc.reason}" if exc.reason else "")
    if any(exc.kind == "hours" for exc in exceptions):
        return "outside the changed hours of that day"
    return "no longer in the weekly schedule"
