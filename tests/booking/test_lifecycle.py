"""The appointment lifecycle: transitions, cancellation windows, reschedule, notes, access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from doctorbook.core.base import audit
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.errors import Conflict, PermissionDenied, PolicyViolation, ValidationError
from doctorbook.core.base.models import AvailabilitySlot
from doctorbook.core.base.rbac import Role
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.booking.appointments import show_appointment
from doctorbook.core.doctors import doctors
from tests.booking.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot
from tests.conftest import make_user
from tests.search.conftest import make_visible_doctor


def status_of_slot(uow: UnitOfWork, slot_id: int) -> str:
    return uow.session.scalar(select(AvailabilitySlot.status).where(AvailabilitySlot.id == slot_id))


def test_the_happy_path_pending_confirmed_checked_in_completed(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    doctors.update_profile(uow, actor=clinic.doctor, auto_confirm=False)
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    assert view.status == "pending"
    with pytest.raises(PolicyViolation, match="only a confirmed appointment"):
        lifecycle.change_status(uow, actor=clinic.desk, appointment_id=view.id, action="check_in")
    assert lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=view.id,
                                   action="confirm").status == "confirmed"
    with pytest.raises(PolicyViolation, match="check-in opens 12 h before"):
        lifecycle.change_status(uow, actor=clinic.desk, appointment_id=view.id, action="check_in")
    clock.advance(timedelta(hours=23, minutes=40))  # 09:40 Berlin, the patient is at the desk
    assert lifecycle.change_status(uow, actor=clinic.desk, appointment_id=view.id,
                                   action="check_in").status == "checked_in"
    with pytest.raises(PolicyViolation, match="checked in; please ask at the desk"):
        lifecycle.cancel(uow, actor=clinic.alice, appointment_id=view.id)
    with pytest.raises(PolicyViolation, match="only a pending or confirmed"):
        lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=view.id,
                                action="no_show")
    done = lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=view.id,
                                   action="complete")
    assert done.status == "completed"
    with pytest.raises(PolicyViolation, match="already completed"):
        lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=view.id, reason="x")

    trail = [(e.action, e.data.get("from"), e.data.get("to")) for e in reversed(
        audit.list_entries(uow, actor=clinic.admin, entity_kind="appointment",
                           entity_id=str(view.id)))]
    assert trail == [
        ("appointment.booked", None, "pending"),
        ("appointment.confirmed", "pending", "confirmed"),
        ("appointment.checked_in", "confirmed", "checked_in"),
        ("appointment.completed", "checked_in", "completed"),
    ]


def test_no_show_not_before_the_start(uow: UnitOfWork, clinic: Clinic, clock: FixedClock) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    with pytest.raises(PolicyViolation, match="once the start time has passed"):
        lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=view.id,
                                action="no_show")
    clock.advance(timedelta(days=1, minutes=5))
    assert lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=view.id,
                                   action="no_show").status == "no_show"


def test_only_the_doctor_and_desk_manage_and_a_doctor_only_their_own(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    for actor in (clinic.alice, clinic.bob, clinic.other_doctor):
        with pytest.raises(PermissionDenied):
            lifecycle.change_status(uow, actor=actor, appointment_id=view.id, action="check_in")
    with pytest.raises(PermissionDenied, match="access denied"):
        show_appointment(uow, actor=clinic.bob, appointment_id=view.id)
    with pytest.raises(PermissionDenied, match="access denied"):
        show_appointment(uow, actor=clinic.other_doctor, appointment_id=view.id)
    with pytest.raises(PermissionDenied):
        lifecycle.cancel(uow, actor=clinic.bob, appointment_id=view.id)


def test_a_patient_cancels_within_the_window_and_the_slot_opens_at_once(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10)
    view = booking.book(uow, actor=clinic.alice, slot_id=slot)
    cancelled = lifecycle.cancel(uow, actor=clinic.alice, appointment_id=view.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_by_id == clinic.alice.user_id and not cancelled.late_cancel
    assert status_of_slot(uow, slot) == "open"
    entry = audit.list_entries(uow, actor=clinic.admin, entity_kind="appointment",
                               entity_id=str(view.id))[0]
    assert entry.action == "appointment.cancelled" and entry.actor_id == clinic.alice.user_id
    assert entry.data == {"from": "confirmed", "to": "cancelled", "late": False, "by": "patient"}
    # Freed for the next patient straight away.
    booking.book(uow, actor=clinic.bob, slot_id=slot)


def test_a_patient_is_refused_after_the_window_but_staff_may_cancel_late_with_a_reason(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    doctors.update_profile(uow, actor=clinic.doctor, cancel_hours=48)  # now inside the window
    with pytest.raises(PolicyViolation, match=r"too late to cancel.*call the clinic"):
        lifecycle.cancel(uow, actor=clinic.alice, appointment_id=view.id)
    with pytest.raises(ValidationError, match="give a reason"):
        lifecycle.cancel(uow, actor=clinic.desk, appointment_id=view.id)
    done = lifecycle.cancel(uow, actor=clinic.desk, appointment_id=view.id, reason="doctor ill")
    assert done.status == "cancelled" and done.cancel_reason == "doctor ill"
    assert done.cancelled_by_id == clinic.desk.user_id and done.late_cancel is True


def test_late_cancel_by_staff_is_flagged(uow: UnitOfWork, clinic: Clinic) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    doctors.update_profile(uow, actor=clinic.doctor, cancel_hours=48)
    done = lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=view.id, reason="surgery")
    assert done.late_cancel is True


def test_reschedule_moves_atomically_and_links_both(uow: UnitOfWork, clinic: Clinic) -> None:
    first = add_slot(uow, clinic.doctor.user_id, TOMORROW_10 + timedelta(days=2))
    second = add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10 + timedelta(hours=2))
    view = booking.book(uow, actor=clinic.alice, slot_id=first, reason="follow-up")
    new = booking.reschedule(uow, actor=clinic.alice, appointment_id=view.id, new_slot_id=second)

    assert new.slot_id == second and new.rescheduled_from_id == view.id
    assert new.reason == "follow-up" and new.status == "confirmed"
    old = show_appointment(uow, actor=clinic.alice, appointment_id=view.id)
    assert old.appointment.status == "cancelled" and old.appointment.cancel_reason == "rescheduled"
    assert old.rescheduled_to_id == new.id
    assert (status_of_slot(uow, first), status_of_slot(uow, second)) == ("open", "booked")

    with pytest.raises(PolicyViolation, match="cancelled and can't be rescheduled"):
        booking.reschedule(uow, actor=clinic.alice, appointment_id=view.id, new_slot_id=first)


def test_a_failed_reschedule_changes_nothing(db: Database) -> None:
    """The new slot is taken: the old appointment stays as it was (one transaction)."""
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr House")
        alice = make_user(uow, email="alice@example.com")
        bob = make_user(uow, email="bob@example.com")
        first = add_slot(uow, doctor.user_id, TOMORROW_10)
        second = add_slot(uow, doctor.user_id, IN_3_DAYS_10)
        view = booking.book(uow, actor=alice, slot_id=first)
        booking.book(uow, actor=bob, slot_id=second)
    with db.unit_of_work() as uow, pytest.raises(Conflict, match="no longer available"):
        booking.reschedule(uow, actor=alice, appointment_id=view.id, new_slot_id=second)
    with db.unit_of_work() as uow:
        shown = show_appointment(uow, actor=alice, appointment_id=view.id).appointment
        assert shown.status == "confirmed" and shown.cancel_reason is None
        assert status_of_slot(uow, first) == "booked"


def test_private_notes_are_the_doctors_alone(uow: UnitOfWork, clinic: Clinic) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    lifecycle.add_note(uow, actor=clinic.doctor, appointment_id=view.id,
                       text="suspect lupus, it's never lupus")
    mine = show_appointment(uow, actor=clinic.doctor, appointment_id=view.id)
    assert [n.body for n in mine.notes] == ["suspect lupus, it's never lupus"]
    assert "notes" in mine.to_json()
    for actor in (clinic.alice, clinic.desk, clinic.admin):
        shown = show_appointment(uow, actor=actor, appointment_id=view.id)
        assert shown.notes == () and "notes" not in shown.to_json()
    for actor in (clinic.alice, clinic.desk, clinic.other_doctor):
        with pytest.raises(PermissionDenied):
            lifecycle.add_note(uow, actor=actor, appointment_id=view.id, text="hi")
    with pytest.raises(ValidationError, match="empty"):
        lifecycle.add_note(uow, actor=clinic.doctor, appointment_id=view.id, text="  ")
    entry = audit.list_entries(uow, actor=clinic.admin, action="appointment.note_added")[0]
    assert "lupus" not in str(entry.data)


def test_reschedule_stays_with_the_doctor_and_strangers_learn_nothing(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    elsewhere = add_slot(uow, clinic.other_doctor.user_id, IN_3_DAYS_10)
    with pytest.raises(ValidationError, match="another doctor"):
        booking.reschedule(uow, actor=clinic.desk, appointment_id=view.id, new_slot_id=elsewhere)
    # Bob asks about Alice's appointment with its own slot: denied, not "current slot".
    with pytest.raises(PermissionDenied, match="access denied"):
        booking.reschedule(uow, actor=clinic.bob, appointment_id=view.id,
                           new_slot_id=view.slot_id or 0)
