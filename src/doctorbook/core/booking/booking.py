"""Booking a slot and rescheduling: one transaction each, the slot claimed by a conditional update.

Two people can race for one slot. The claim is `UPDATE ... SET status='booked' WHERE id=:slot
AND status='open'`: PostgreSQL row-locks the slot, so of concurrent claims exactly one matches
and every other finds the slot booked and gets a clean Conflict. A unique index (one live
appointment per slot) and an exclusion constraint (no overlapping live appointments per
patient) back this up in the database itself.
"""

from __future__ import annotations

import functools
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Alias,
    BigInteger,
    Boolean,
    ColumnElement,
    Integer,
    Table,
    Text,
    Uuid,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError

from doctorbook.core.base import audit, events
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.events import parse_search_id
from doctorbook.core.base.models import TS, Appointment, AvailabilitySlot, Doctor, User
from doctorbook.core.base.rbac import Actor, Permission, Role, require
from doctorbook.core.base.text import clean_text
from doctorbook.core.booking import appointment_mail
from doctorbook.core.booking.appointments import AppointmentView, check_can_see, load_view
from doctorbook.core.booking.lifecycle import (
    MAX_REASON,
    check_may_cancel,
    lock,
    record_change,
    release,
)
from doctorbook.core.mail import ics, outbox, visits
from doctorbook.core.scheduling.availability import HORIZON

if TYPE_CHECKING:
    from sqlalchemy import Select, TextClause


RESCHEDULED = "rescheduled"


def slot_gone(slot: _Slot | None = None) -> Conflict:
    """Somebody else has the slot (`slot`, when it could be read; else "that time")."""
    what = "that time" if slot is None else slot.named
    return Conflict(f"{what} is no longer available; pick another time")


@dataclass(frozen=True)
class _Slot:
    id: int
    doctor_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    doctor_name: str
    doctor_status: str
    doctor_active: bool
    lead_minutes: int
    auto_confirm: bool
    timezone: str = "UTC"

    @property
    def named(self) -> str:
        """"the 10:00 slot on Wed 25 Nov with Dr X": how refusals name it (never its id)."""
        return appointment_mail.describe_slot(self.starts_at, self.timezone, self.doctor_name)


def _load_slot(uow: UnitOfWork, slot_id: int) -> _Slot:
    row = uow.session.execute(
        select(AvailabilitySlot, Doctor.status, Doctor.lead_minutes, Doctor.auto_confirm,
               User.name, User.is_active, func.coalesce(Doctor.timezone, "UTC"))
        .join(Doctor, Doctor.user_id == AvailabilitySlot.doctor_id)
        .join(User, User.id == Doctor.user_id)
        .where(AvailabilitySlot.id == slot_id)
    ).first()
    if row is None:
        raise NotFound(f"no slot {slot_id}")
    slot = row[0]
    return _Slot(id=slot.id, doctor_id=slot.doctor_id, starts_at=slot.starts_at,
                 ends_at=slot.ends_at, status=slot.status, doctor_name=row[4],
                 doctor_status=row[1], doctor_active=row[5], lead_minutes=row[2],
                 auto_confirm=row[3], timezone=row[6])


def _patient_for(
    uow: UnitOfWork, actor: Actor, patient_email: str | None, patient_id: int | None
) -> int:
    """Patients book for themselves; the desk names the patient."""
    require(actor, Permission.APPOINTMENTS_BOOK_SELF, Permission.APPOINTMENTS_BOOK_FOR_PATIENT)
    if not actor.can(Permission.APPOINTMENTS_BOOK_FOR_PATIENT):
        assert actor.user_id is not None
        if patient_id not in (None, actor.user_id) or (
            patient_email is not None and patient_email.strip().lower() != (actor.email or "")
        ):
            raise PermissionDenied("patients book only for themselves")
        return actor.user_id
    if patient_id is None and not patient_email:
        raise ValidationError("say which patient the booking is for (--patient EMAIL)")
    stmt = select(User.id, User.role, User.is_active)
    stmt = (stmt.where(User.id == patient_id) if patient_id is not None
            else stmt.where(func.lower(User.email) == (patient_email or "").strip().lower()))
    row = uow.session.execute(stmt).first()
    who = patient_email or f"user {patient_id}"
    if row is None:
        raise NotFound(f"no patient {who}")
    if not Role(row.role).is_patient:
        raise ValidationError(f"{who} is not a patient account")
    if not row.is_active:
        raise PolicyViolation(f"the account of {who} is disabled")
    return int(row.id)


def _check_bookable(
    uow: UnitOfWork, actor: Actor, slot: _Slot, override_policy: bool
) -> bool:
    """Refuse what policy forbids; returns whether the lead time was overridden."""
    if slot.doctor_status != "active" or not slot.doctor_active:
        raise PolicyViolation(f"{slot.doctor_name} is not taking bookings")
    if slot.status != "open":
        raise slot_gone(slot)
    now = uow.now()
    if slot.starts_at <= now:
        raise PolicyViolation(f"{slot.named} has already started")
    if slot.starts_at >= now + HORIZON:
        raise PolicyViolation(
            f"{slot.named} is beyond the {HORIZON.days}-day booking horizon"
        )
    lead = timedelta(minutes=slot.lead_minutes)
    if slot.starts_at >= now + lead:
        return False
    if not override_policy:
        hint = ("; clinic staff can override the booking policy"
                if actor.can(Permission.APPOINTMENTS_BOOK_FOR_PATIENT) else "")
        raise PolicyViolation(
            f"too short notice: {slot.doctor_name} takes bookings at least "
            f"{_duration(lead)} ahead{hint}"
        )
    return True


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


#: Advisory-lock namespace for "one booking at a time per patient". Without that lock, two
#: inserts racing on the patient-overlap exclusion constraint can deadlock (each waits for the
#: other's tuple); with it the second waits, then meets the first's row and gets a Conflict.
_PATIENT_LOCK_SPACE = 4201


# The whole claim in one statement: check the slot is bookable, flip it open -> booked (the
# conditional update that decides races: a concurrent winner's committed 'booked' fails the
# re-checked `status = 'open'`), insert the appointment, write its audit entries and product
# event, and return what the view and the e-mails need. No row back means refused; `_why_not`
# then says why. Built once from the table definitions (the audit entries and the event by
# `audit.entries` / `events.entries`, the modules that write those tables everywhere else) and
# sent as text: one statement, one round trip, its parameters the ones `_create` binds.
@functools.cache
def _book_sql() -> str:
    def param(name: str, type_: Any) -> ColumnElement[Any]:
        return sql_cast(literal_column(f":{name}"), type_)

    def bare(name: str, type_: Any) -> ColumnElement[Any]:
        """A parameter the driver sends typed (an instant, a number, a flag): no CAST. psycopg
        caches its parsing of a statement only up to 4096 characters; this one stays under."""
        return literal_column(f":{name}", type_)

    now, horizon = bare("now", TS), bare("horizon", TS)

    slots, doctors, users, appointments = (
        cast(Table, m.__table__) for m in (AvailabilitySlot, Doctor, User, Appointment))
    patient, actor = param("patient", BigInteger), param("actor", BigInteger)

    # One booking at a time per patient (see _PATIENT_LOCK_SPACE), before any row is written.
    lk = (select(func.pg_advisory_xact_lock(bare("lock_space", Integer),
                                            bare("lock_key", Integer)).label("taken"))
          .cte("lk").prefix_with("MATERIALIZED"))
    s, d, du, a = slots.alias("s"), doctors.alias("d"), users.alias("du"), appointments.alias("a")
    target = (
        select(s.c.id, s.c.doctor_id, s.c.starts_at, s.c.ends_at, d.c.auto_confirm,
               (s.c.starts_at < now + d.c.lead_minutes
                * literal_column("interval '1 minute'")).label("short_notice"))
        .select_from(s.join(d, d.c.user_id == s.c.doctor_id).join(du, du.c.id == s.c.doctor_id)
                     .join(lk, true()))
        .where(s.c.id == bare("slot", BigInteger), s.c.status == "open",
               d.c.status == "active", du.c.is_active,
               s.c.starts_at > now, s.c.starts_at < horizon,
               # The patient is free then (the exclusion constraint's own index answers this).
               not_(exists().where(
                   a.c.patient_id == patient, a.c.status != "cancelled",
                   func.tstzrange(a.c.starts_at, a.c.ends_at).op("&&")(
                       func.tstzrange(s.c.starts_at, s.c.ends_at)))))
        .cte("target")
    )
    u = cast(Alias, slots.alias("u"))  # the typing stubs say "a named from clause"
    claimed = (
        update(u).values(status="booked")
        .where(u.c.id == target.c.id, u.c.status == "open",
               or_(bare("override", Boolean), not_(target.c.short_notice)))
        .returning(u.c.id).cte("claimed")
    )
    t = target
    new_row = {
        "patient_id": patient, "doctor_id": t.c.doctor_id, "booked_by_id": actor,
        "slot_id": t.c.id, "starts_at": t.c.starts_at, "ends_at": t.c.ends_at,
        "status": case((t.c.auto_confirm, "confirmed"), else_="pending"),
        "reason": param("reason", Text), "rescheduled_from_id": param("from_id", BigInteger),
        "policy_override": t.c.short_notice, "sequence": literal(0), "late_cancel": false(),
        "created_at": now, "updated_at": now,
    }
    made = (
        insert(appointments).from_select(
            list(new_row),
            select(*(value.label(name) for name, value in new_row.items()))
            .select_from(t.join(claimed, claimed.c.id == t.c.id)))
        .returning(*(literal_column(n, appointments.c[n].type) for n in (
            "id", "status", "starts_at", "ends_at", "doctor_id", "slot_id", "policy_override",
            "reason", "patient_id")))
        .cte("made")
    )
    m = made
    # The booking's audit entry (an override's own entry, rare, is `_create`'s).
    logged = audit.entries(
        audit.entry(at=now, actor_id=actor, actor_role=param("role", Text),
                    action="appointment.booked", entity_kind="appointment", entity_id=m.c.id,
                    data={"from": None, "to": m.c.status, "slot_id": m.c.slot_id,
                          "patient_id": m.c.patient_id, "policy_override": m.c.policy_override},
                    more=param("audit_extra", JSONB)),
    ).cte("logged")
    # The product event (ids only), linked to the search that led here when known.
    counted = events.entries(
        events.entry("booking_made", at=now, search_id=param("search_id", Uuid),
                     doctor_id=m.c.doctor_id, appointment_id=m.c.id)
        .where(bare("count_booking", Boolean))
    ).cte("counted")
    pu, vdu, vd = users.alias("pu"), users.alias("vdu"), doctors.alias("vd")
    # What the view needs, the e-mail's facts named as the e-mail has them (VISIT_FACTS), so
    # the confirmation's facts are this row as JSON less the columns that are not facts.
    visit = {
        "appointment_id": m.c.id, "sequence": literal(0), "status": m.c.status,
        "starts_at": m.c.starts_at, "ends_at": m.c.ends_at,
        "tz": func.coalesce(vd.c.timezone, "UTC"), "patient_name": pu.c.name,
        "doctor_name": vdu.c.name, "doctor_email": vdu.c.email, "clinic_name": vd.c.clinic_name,
        "address": vd.c.address, "city": vd.c.city, "reason": m.c.reason,
        "cancel_hours": vd.c.cancel_hours,
    }
    others = {"patient_email": pu.c.email, "patient_phone": pu.c.phone,
              "doctor_id": m.c.doctor_id, "policy_override": m.c.policy_override}
    shown = (
        select(*(value.label(name) for name, value in {**visit, **others}.items()))
        .select_from(m.join(pu, pu.c.id == patient).join(vdu, vdu.c.id == m.c.doctor_id)
                     .join(vd, vd.c.user_id == m.c.doctor_id))
        .cte("shown")
    )
    v = shown.c
    # The confirmation (or "request received") with its invitation: one outbox row of facts,
    # as `appointment_mail` queues every other e-mail about a visit; none for a patient without
    # an address, none for a reschedule (which says "moved", in its own words).
    as_json = func.to_jsonb(shown.table_valued()).op("-")(
        postgresql.array([literal(name, Text) for name in others]))
    mailed = outbox.entries(
        outbox.entry(
            at=now, kind=appointment_mail.KIND_UPDATE, to=v.patient_email,
            to_name=v.patient_name, template=visits.TEMPLATE,
            entity_kind=appointment_mail.ENTITY, entity_id=v.appointment_id,
            facts=appointment_mail.facts_sql("booked", ics.Method.REQUEST, as_json))
        .select_from(shown).where(v.patient_email.is_not(None), bare("confirm", Boolean))
    ).cte("mailed")
    statement: Select[Any] = (
        select(literal_column("*")).select_from(shown).add_cte(logged, counted, mailed))
    # Constants inline, parameters as `:name` (no bound values: they are bound per booking).
    dialect = postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call]
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    # One line: the compiler's line breaks (none inside a literal here) are 40 of the 4096.
    return sql.replace(" \n", " ").replace("\n", " ")


@functools.cache
def _book_statement() -> TextClause:
    return text(_book_sql())


def __getattr__(name: str) -> str:
    """`_BOOK_SQL`: the statement's text (the benchmark drives it through pgbench)."""
    if name == "_BOOK_SQL":
        return _book_sql()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _why_not(
    uow: UnitOfWork, actor: Actor, slot_id: int, patient_id: int, override_policy: bool
) -> Exception:
    """The precise refusal for a claim that returned nothing (the slow path, failures only)."""
    slot = _load_slot(uow, slot_id)
    _check_bookable(uow, actor, slot, override_policy)
    clash = uow.session.scalar(
        select(Appointment.id).where(
            Appointment.patient_id == patient_id, Appointment.status != "cancelled",
            func.tstzrange(Appointment.starts_at, Appointment.ends_at).op("&&")(
                func.tstzrange(slot.starts_at, slot.ends_at)),
        ).limit(1)
    )
    if clash is not None:
        who = "you already have" if actor.user_id == patient_id else "the patient already has"
        other = appointment_mail.describe(load_view(uow, clash))
        return Conflict(f"{who} an appointment at that time ({other})")
    return slot_gone(slot)  # bookable a moment ago: somebody else just took it


def _create(
    uow: UnitOfWork, *, actor: Actor, slot_id: int, patient_id: int, reason: str | None,
    override_policy: bool, audit_extra: dict[str, object],
    rescheduled_from: Appointment | None = None, search_id: uuid.UUID | None = None,
) -> tuple[AppointmentView, bool]:
    """Claim the slot and create the appointment with its audit entries (no commit)."""
    if override_policy and not actor.can(Permission.APPOINTMENTS_BOOK_FOR_PATIENT):
        raise PermissionDenied("only clinic staff may override the booking policy")
    now = uow.now()
    try:
        row = uow.execute(_book_statement(), {
            "now": now, "horizon": now + HORIZON, "slot": slot_id, "override": override_policy,
            "patient": patient_id, "actor": actor.user_id, "reason": reason,
            "from_id": None if rescheduled_from is None else rescheduled_from.id,
            "role": audit.role_of(actor), "audit_extra": audit.bound_data(audit_extra),
            "lock_space": _PATIENT_LOCK_SPACE, "lock_key": patient_id % 2_147_483_647,
            # A reschedule moves a booking: metrics count neither a new booking nor a cancel.
            "count_booking": rescheduled_from is None, "confirm": rescheduled_from is None,
            "search_id": None if search_id is None else str(search_id),
        }).first()
    except IntegrityError as exc:
        # The database's own invariants: the patient-overlap exclusion constraint.
        if "patient_no_overlap" in str(exc.orig):
            who = "you already have" if actor.user_id == patient_id else "the patient already has"
            raise Conflict(f"{who} an appointment at that time") from None
        # The transaction is aborted: the slot can't be read to name it.
        raise slot_gone() from None
    if row is None:
        raise _why_not(uow, actor, slot_id, patient_id, override_policy)
    view = AppointmentView(
        id=row.appointment_id, starts_at=row.starts_at, ends_at=row.ends_at, status=row.status,
        patient_id=patient_id, patient_name=row.patient_name, patient_email=row.patient_email,
        patient_phone=row.patient_phone, doctor_id=row.doctor_id, doctor_name=row.doctor_name,
        doctor_email=row.doctor_email, reason=row.reason, slot_id=slot_id, timezone=row.tz,
        clinic_name=row.clinic_name, address=row.address, city=row.city,
        cancel_hours=row.cancel_hours, booked_by_id=actor.user_id,
        rescheduled_from_id=None if rescheduled_from is None else rescheduled_from.id,
    )
    if row.policy_override:
        # Rare (staff only, short notice): its own audit entry, kept out of the statement.
        lead = uow.session.scalar(
            select(Doctor.lead_minutes).where(Doctor.user_id == row.doctor_id))
        ahead = math.floor((view.starts_at - now).total_seconds() / 60)
        audit.record(uow, actor=actor, action="appointment.policy_overridden",
                     entity_kind="appointment", entity_id=view.id,
                     data={"rule": "lead_time", "lead_minutes": lead, "minutes_ahead": ahead})
    record_change(uow, view.id, view.doctor_id, slot=True)
    return view, bool(row.policy_override)


def book(
    uow: UnitOfWork,
    *,
    actor: Actor,
    slot_id: int,
    patient_email: str | None = None,
    patient_id: int | None = None,
    reason: str | None = None,
    override_policy: bool = False,
    search_id: str | uuid.UUID | None = None,
) -> AppointmentView:
    """Book an open slot: claim it, create the appointment, queue its e-mail, audit; all in
    one statement, one commit.

    `search_id`: the search the patient booked from, for the booking-conversion metric.
    """
    from_search = parse_search_id(search_id)
    patient = _patient_for(uow, actor, patient_email, patient_id)
    text = clean_text(reason, label="reason", limit=MAX_REASON)
    view, _overridden = _create(
        uow, actor=actor, slot_id=slot_id, patient_id=patient, reason=text,
        override_policy=override_policy,
        audit_extra={"on_behalf": patient != actor.user_id}, search_id=from_search,
    )
    uow.commit()
    return view


def reschedule(
    uow: UnitOfWork,
    *,
    actor: Actor,
    appointment_id: int,
    new_slot_id: int,
    override_policy: bool = False,
) -> AppointmentView:
    """Move an appointment to another slot: the old one cancelled ("rescheduled") and linked."""
    old = lock(uow, appointment_id)
    # Who asks comes first: a stranger learns nothing about the appointment's state.
    check_can_see(actor, patient_id=old.patient_id, doctor_id=old.doctor_id)
    if old.status not in ("pending", "confirmed"):
        raise PolicyViolation(
            f"{appointment_mail.describe(load_view(uow, appointment_id))} is "
            f"{old.status.replace('_', ' ')} and can't be rescheduled"
        )
    if old.slot_id == new_slot_id:
        raise ValidationError("that is the appointment's current slot")
    late = check_may_cancel(uow, actor, old)
    new_slot = _load_slot(uow, new_slot_id)
    if new_slot.doctor_id != old.doctor_id:
        # Another doctor is a new booking and a cancellation, not a reschedule.
        raise ValidationError(
            f"{new_slot.named} is with another doctor; reschedule to one of the same doctor's"
            " slots"
        )
    before = old.status
    # Free the old time first: a new slot overlapping the old one must not clash with it.
    release(uow, old, actor=actor, reason=RESCHEDULED, late=late)
    new, _overridden = _create(
        uow, actor=actor, slot_id=new_slot_id, patient_id=old.patient_id, reason=old.reason,
        override_policy=override_policy, rescheduled_from=old,
        audit_extra={"rescheduled_from_id": appointment_id},
    )
    audit.record(uow, actor=actor, action="appointment.rescheduled", entity_kind="appointment",
                 entity_id=appointment_id,
                 data={"from": before, "to": "cancelled", "late": late,
                       "new_appointment_id": new.id, "new_slot_id": new_slot_id})
    cancelled_view = load_view(uow, appointment_id)
    appointment_mail.rescheduled(uow, cancelled_view, new)
    uow.commit()
    return new
