"""Booking in core: the slot is claimed, policies hold, the desk books on behalf, all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from doctorbook.core.base import audit
from doctorbook.core.base.account_models import AuditEntry
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AuthenticationError,
    Conflict,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.models import Appointment, AvailabilitySlot
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import booking
from doctorbook.core.booking.appointments import Scope, list_appointments
from doctorbook.core.doctors import doctors
from doctorbook.core.scheduling.availability import doctor_week
from tests.booking.conftest import IN_1_HOUR, IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot


def slot_status(uow: UnitOfWork, slot_id: int) -> str:
    return uow.session.scalar(select(AvailabilitySlot.status).where(AvailabilitySlot.id == slot_id))


def test_a_patient_books_an_open_slot_and_it_is_no_longer_offered(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    view = booking.book(uow, actor=clinic.alice, slot_id=slot, reason="  chest pain ")

    assert view.status == "confirmed"  # the doctor auto-confirms by default
    assert (view.patient_id, view.doctor_id, view.slot_id) == (
        clinic.alice.user_id, clinic.doctor.user_id, slot)
    assert view.reason == "chest pain"  # padding dropped (control characters: test_free_text)
    assert slot_status(uow, slot) == "booked"
    week = doctor_week(uow, profile=doctors.show_doctor(uow, actor=Actor.anonymous(),
                                                        doctor_id=clinic.doctor.user_id),
                       )
    assert slot not in {s.slot_id for s in week.slots}
    assert [v.id for v in list_appointments(uow, actor=clinic.alice, scope=Scope.UPCOMING)] == [
        view.id]


def test_without_auto_confirm_the_booking_is_pending_and_still_holds_the_slot(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    doctors.update_profile(uow, actor=clinic.doctor, auto_confirm=False)
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    view = booking.book(uow, actor=clinic.alice, slot_id=slot)
    assert view.status == "pending"
    with pytest.raises(Conflict, match="no longer available"):
        booking.book(uow, actor=clinic.bob, slot_id=slot)


def test_a_taken_slot_is_a_clean_conflict(uow: UnitOfWork, clinic: Clinic) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    booking.book(uow, actor=clinic.alice, slot_id=slot)
    # Named by its time and doctor, never by its id.
    with pytest.raises(Conflict, match=r"^the 10:00 slot on Wed 25 Nov with Dr Gregory House "
                                       r"is no longer available; pick another time$"):
        booking.book(uow, actor=clinic.bob, slot_id=slot)


def test_unknown_and_blocked_slots_are_refused(uow: UnitOfWork, clinic: Clinic) -> None:
    with pytest.raises(NotFound, match="no slot 999999"):
        booking.book(uow, actor=clinic.alice, slot_id=999999)
    blocked = add_slot(uow, clinic.doctor.user_id, TOMORROW_10, status="blocked")
    with pytest.raises(Conflict):
        booking.book(uow, actor=clinic.alice, slot_id=blocked)


def test_lead_time_is_enforced_and_only_staff_may_override_it_audited(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    soon = add_slot(uow, clinic.doctor.user_id, IN_1_HOUR)  # lead time is 2 h
    with pytest.raises(PolicyViolation, match="at least 2 h ahead"):
        booking.book(uow, actor=clinic.alice, slot_id=soon)
    with pytest.raises(PermissionDenied, match="only clinic staff"):
        booking.book(uow, actor=clinic.alice, slot_id=soon, override_policy=True)
    with pytest.raises(PolicyViolation, match="override the booking policy"):
        booking.book(uow, actor=clinic.desk, slot_id=soon, patient_email="alice@example.com")

    view = booking.book(uow, actor=clinic.desk, slot_id=soon, patient_email="ALICE@example.com",
                        override_policy=True)
    entries = audit.list_entries(uow, actor=clinic.admin, entity_kind="appointment",
                                 entity_id=str(view.id))
    overridden = [e for e in entries if e.action == "appointment.policy_overridden"]
    assert overridden and overridden[0].actor_id == clinic.desk.user_id
    assert overridden[0].data["rule"] == "lead_time"
    assert uow.session.get(Appointment, view.id).policy_override is True  # type: ignore[union-attr]


def test_past_and_beyond_horizon_slots_are_refused(uow: UnitOfWork, clinic: Clinic) -> None:
    past = add_slot(uow, clinic.doctor.user_id, TOMORROW_10 - timedelta(days=2))
    far = add_slot(uow, clinic.doctor.user_id, TOMORROW_10 + timedelta(days=61))
    with pytest.raises(PolicyViolation, match="already started"):
        booking.book(uow, actor=clinic.desk, slot_id=past, patient_email="alice@example.com",
                     override_policy=True)
    with pytest.raises(PolicyViolation, match="60-day booking horizon"):
        booking.book(uow, actor=clinic.alice, slot_id=far)


def test_a_suspended_doctor_takes_no_bookings(uow: UnitOfWork, clinic: Clinic) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    doctors.set_status(uow, actor=clinic.admin, doctor_id=clinic.doctor.user_id, active=False)
    with pytest.raises(PolicyViolation, match="not taking bookings"):
        booking.book(uow, actor=clinic.alice, slot_id=slot)
    assert slot_status(uow, slot) == "open"


def test_who_may_book_for_whom(uow: UnitOfWork, clinic: Clinic) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    with pytest.raises(AuthenticationError):
        booking.book(uow, actor=Actor.anonymous(), slot_id=slot)
    with pytest.raises(PermissionDenied, match="only for themselves"):
        booking.book(uow, actor=clinic.alice, slot_id=slot, patient_email="bob@example.com")
    with pytest.raises(PermissionDenied):
        booking.book(uow, actor=clinic.doctor, slot_id=slot, patient_email="bob@example.com")
    with pytest.raises(ValidationError, match="which patient"):
        booking.book(uow, actor=clinic.desk, slot_id=slot)
    with pytest.raises(NotFound, match=r"no patient nobody@example\.com"):
        booking.book(uow, actor=clinic.desk, slot_id=slot, patient_email="nobody@example.com")
    with pytest.raises(ValidationError, match="not a patient"):
        booking.book(uow, actor=clinic.desk, slot_id=slot, patient_email="desk@clinic.example")
    assert slot_status(uow, slot) == "open"

    view = booking.book(uow, actor=clinic.desk, slot_id=slot, patient_email="bob@example.com")
    assert view.patient_id == clinic.bob.user_id and view.booked_by_id == clinic.desk.user_id
    entry = uow.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "appointment.booked")).one()
    assert entry.actor_id == clinic.desk.user_id
    assert entry.data["on_behalf"] is True and entry.data["to"] == "confirmed"


def test_a_patient_cannot_hold_two_overlapping_visits(uow: UnitOfWork, clinic: Clinic) -> None:
    mine = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    overlapping = add_slot(uow, clinic.other_doctor.user_id, TOMORROW_10 + timedelta(minutes=15))
    booking.book(uow, actor=clinic.alice, slot_id=mine)
    with pytest.raises(Conflict, match="already have an appointment at that time"):
        booking.book(uow, actor=clinic.alice, slot_id=overlapping)
    assert slot_status(uow, overlapping) == "open"
    # Somebody else may take it.
    booking.book(uow, actor=clinic.bob, slot_id=overlapping)


def test_the_database_itself_refuses_double_booking_and_patient_overlap(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    """Even code that skipped the checks could not break the invariants."""
    from sqlalchemy.exc import IntegrityError

    slot = add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10)

    def raw(patient: Actor, start_shift: int = 0, slot_id: int | None = slot) -> None:
        start = IN_3_DAYS_10 + timedelta(minutes=start_shift)
        with uow.session.begin_nested():
            uow.session.add(Appointment(
                patient_id=patient.user_id, doctor_id=clinic.doctor.user_id, slot_id=slot_id,
                starts_at=start, ends_at=start + timedelta(minutes=30), status="confirmed",
                created_at=uow.now(), updated_at=uow.now()))

    raw(clinic.alice)
    with pytest.raises(IntegrityError, match="uq_appointments_slot_live"):
        raw(clinic.bob)
    with pytest.raises(IntegrityError, match="ex_appointments_patient_no_overlap"):
        raw(clinic.alice, start_shift=10, slot_id=None)
    raw(clinic.alice, start_shift=30, slot_id=None)  # back to back is fine
