"""Metrics on a history whose right answers are known by construction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from doctorbook.core.base import events
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.errors import PermissionDenied, ValidationError
from doctorbook.core.base.rbac import Actor
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.booking.search import search_recorded
from doctorbook.core.doctors import doctors
from doctorbook.core.feedback import metrics, reviews
from doctorbook.core.mail.dispatcher import Dispatcher
from tests.mail.conftest import dispatcher_for, settings_for
from tests.reviews.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot, completed_visit

__all__ = ["dispatcher_for", "settings_for"]

TODAY = date(2026, 11, 24)


def seed(uow: UnitOfWork, clock: FixedClock, clinic: Clinic) -> None:
    """40 searches, 10 opens, 4 bookings, 1 cancellation (in time), 2 visits completed and 1
    missed, 2 reviews with NPS answers (10 and 4), 9 e-mails sent and 1 failed: built through
    the real use cases, except the e-mail results (the dispatcher's own test covers those)."""
    search_ids = [search_recorded(uow)[0] for _ in range(40)]
    for sid in search_ids[:10]:
        doctors.show_doctor(uow, actor=clinic.alice, doctor_id=clinic.doctor.user_id,
                            search_id=sid)
    # Two visits that happen (completed), one missed, one cancelled by the desk.
    done_a = completed_visit(uow, clock, clinic, clinic.alice, TOMORROW_10,
                             search_id=search_ids[2])
    done_b = completed_visit(uow, clock, clinic, clinic.bob, TOMORROW_10 + timedelta(hours=2),
                             search_id=search_ids[3])
    missed = booking.book(uow, actor=clinic.alice, search_id=search_ids[0],
                          slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    late = booking.book(uow, actor=clinic.bob, search_id=search_ids[1],
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10 + timedelta(
                            hours=4)))
    lifecycle.cancel(uow, actor=clinic.desk, appointment_id=late.id, reason="doctor ill")
    shift = IN_3_DAYS_10 + timedelta(minutes=10) - clock.now()
    clock.advance(shift)
    lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=missed.id, action="no_show")
    clock.advance(-shift)
    reviews.submit_review(uow, actor=clinic.alice, appointment_id=done_a, rating=5, nps=10)
    reviews.submit_review(uow, actor=clinic.bob, appointment_id=done_b, rating=2, nps=4)
    for _ in range(9):
        events.record(uow, "email_sent")
    events.record(uow, "email_failed")
    uow.commit()


def test_every_metric_with_its_numerator_and_denominator(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    seed(uow, clock, clinic)
    # The no-show was recorded 3 days on: look at a week from today.
    result = metrics.compute(uow, actor=clinic.admin, first_day=TODAY,
                             last_day=TODAY + timedelta(days=6))
    totals = result.totals
    assert (totals.searches, totals.opens, totals.bookings) == (40, 10, 4)
    assert totals.search_ctr.to_json() == {"value": 0.25, "numerator": 10, "denominator": 40}
    assert totals.booking_conversion.to_json() == {
        "value": 0.1, "numerator": 4, "denominator": 40}
    assert totals.cancellation_rate.to_json() == {
        "value": 0.25, "numerator": 1, "denominator": 4}
    assert totals.late_cancellation_rate.to_json() == {
        "value": 0.0, "numerator": 0, "denominator": 4}
    assert totals.no_show_rate.to_json() == {
        "value": round(1 / 3, 4), "numerator": 1, "denominator": 3}
    assert totals.email_delivery.to_json() == {"value": 0.9, "numerator": 9, "denominator": 10}
    assert result.ratings.to_json() == {"average": 3.5, "count": 2, "sum": 7,
                                        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0,
                                                         "5": 1}}
    assert result.nps.to_json() == {"score": 0.0, "responses": 2, "promoters": 1,
                                    "passives": 0, "detractors": 1}
    # Per day: the no-show lands three days on, everything else today.
    by_day = {b.start: b.counts for b in result.buckets}
    assert len(by_day) == 7
    assert by_day[TODAY].searches == 40 and by_day[TODAY].no_shows == 0
    assert by_day[TODAY + timedelta(days=3)].no_shows == 1
    weekly = metrics.compute(uow, actor=clinic.admin, first_day=TODAY,
                             last_day=TODAY + timedelta(days=6), by="week")
    assert [b.start for b in weekly.buckets] == [date(2026, 11, 23), date(2026, 11, 30)]
    assert sum(b.counts.searches for b in weekly.buckets) == 40


def test_a_late_cancel_counts_as_late(uow: UnitOfWork, clinic: Clinic) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    doctors.update_profile(uow, actor=clinic.doctor, cancel_hours=48)
    lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=view.id, reason="surgery")
    totals = metrics.compute(uow, actor=clinic.admin).totals
    assert totals.late_cancellation_rate.to_json()["numerator"] == 1


def test_reschedules_are_neither_bookings_nor_cancellations(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    booking.reschedule(uow, actor=clinic.alice, appointment_id=view.id,
                       new_slot_id=add_slot(uow, clinic.doctor.user_id,
                                            IN_3_DAYS_10 + timedelta(hours=1)))
    totals = metrics.compute(uow, actor=clinic.admin).totals
    assert (totals.bookings, totals.cancellations) == (1, 0)


def test_only_admins_see_metrics_and_periods_are_checked(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    for actor in (clinic.alice, clinic.desk, clinic.doctor, Actor.anonymous()):
        with pytest.raises(Exception) as refused:
            metrics.compute(uow, actor=actor)
        assert isinstance(refused.value, PermissionDenied) or "not logged in" in str(
            refused.value)
    with pytest.raises(ValidationError, match="--from must not be after --to"):
        metrics.compute(uow, actor=clinic.admin, first_day=TODAY, last_day=TODAY - timedelta(1))
    with pytest.raises(ValidationError, match="day or week"):
        metrics.compute(uow, actor=clinic.admin, by="month")
    empty = metrics.compute(uow, actor=clinic.admin)
    assert empty.totals.search_ctr.value is None and empty.nps.score is None
    assert (empty.first_day, empty.last_day) == (TODAY - timedelta(days=29), TODAY)


def test_the_dispatcher_counts_what_it_delivers(
    db: Database, settings_for: Callable[..., Settings],
    dispatcher_for: Callable[..., Dispatcher],
) -> None:
    from sqlalchemy import func, select

    from doctorbook.core.base.models import Event
    from tests.mail.conftest import queue

    queue(db, 3)
    assert dispatcher_for(settings_for()).run_once().sent == 3
    with db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(Event.kind, func.count()).group_by(Event.kind)).all()
        data = uow.session.scalars(select(Event.data)).all()
    assert rows == [("email_sent", 3)]
    assert all(set(d) == {"outbox_id", "email_kind"} for d in data)  # ids only, no address


def test_conversion_counts_only_bookings_made_from_a_search(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    """The desk's bookings are bookings, but no search converted into them."""
    search_id, _ = search_recorded(uow)
    booking.book(uow, actor=clinic.alice, search_id=search_id,
                 slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    booking.book(uow, actor=clinic.desk, patient_email="bob@example.com",
                 slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    totals = metrics.compute(uow, actor=clinic.admin).totals
    assert totals.bookings == 2
    assert totals.booking_conversion.to_json() == {"value": 1.0, "numerator": 1,
                                                   "denominator": 1}
