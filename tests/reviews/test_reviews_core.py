"""Reviews: only the patient, only completed visits, once; ratings and moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from doctorbook.core.base import audit
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    Conflict,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.models import Review
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import booking
from doctorbook.core.booking.search import search
from doctorbook.core.doctors import doctors
from doctorbook.core.feedback import reviews
from tests.reviews.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot, completed_visit


def test_the_patient_reviews_a_completed_visit_and_it_shows_on_the_profile(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    visit = completed_visit(uow, clock, clinic, clinic.alice, TOMORROW_10)
    review = reviews.submit_review(uow, actor=clinic.alice, appointment_id=visit, rating=4,
                                   comment="  Thorough [31m and kind.\n  ")
    assert review.comment == "Thorough [31m and kind."  # padding gone, the rest kept as text
    shown = reviews.ratings(uow, doctor_id=clinic.doctor.user_id)
    assert (shown.average, shown.count, shown.distribution) == (4.0, 1, (0, 0, 0, 1, 0))
    [entry] = shown.reviews
    assert (entry.first_name, entry.visit_month, entry.rating) == ("Alice", "November 2026", 4)
    profile = doctors.show_doctor(uow, actor=Actor.anonymous(), doctor_id=clinic.doctor.user_id)
    assert (profile.rating, profile.review_count) == (4.0, 1)
    [row] = [r for r in search(uow) if r.doctor_id == clinic.doctor.user_id]
    assert (row.rating, row.review_count) == (4.0, 1)


def test_refusals_each_say_why(uow: UnitOfWork, clinic: Clinic, clock: FixedClock) -> None:
    upcoming = booking.book(uow, actor=clinic.alice,
                            slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    with pytest.raises(PolicyViolation, match="once it is completed"):
        reviews.submit_review(uow, actor=clinic.alice, appointment_id=upcoming.id, rating=5)
    visit = completed_visit(uow, clock, clinic, clinic.alice, TOMORROW_10)
    with pytest.raises(PermissionDenied, match="only the patient of that visit"):
        reviews.submit_review(uow, actor=clinic.bob, appointment_id=visit, rating=5)
    with pytest.raises(PermissionDenied):
        reviews.submit_review(uow, actor=clinic.doctor, appointment_id=visit, rating=5)
    for bad in (0, 6, -1):
        with pytest.raises(ValidationError, match="from 1 to 5"):
            reviews.submit_review(uow, actor=clinic.alice, appointment_id=visit, rating=bad)
    with pytest.raises(ValidationError, match="too long"):
        reviews.submit_review(uow, actor=clinic.alice, appointment_id=visit, rating=5,
                              comment="x" * 2001)
    reviews.submit_review(uow, actor=clinic.alice, appointment_id=visit, rating=5,
                          comment="y" * 2000)
    with pytest.raises(Conflict, match="already reviewed"):
        reviews.submit_review(uow, actor=clinic.alice, appointment_id=visit, rating=3)


def test_the_database_refuses_a_review_of_an_unfinished_visit_or_a_second_one(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    upcoming = booking.book(uow, actor=clinic.alice,
                            slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    insert = text("INSERT INTO reviews (appointment_id, patient_id, doctor_id, rating, created_at)"
                  " VALUES (:a, :p, :d, 5, now())")
    with pytest.raises(IntegrityError, match="completed appointment"), uow.session.begin_nested():
        uow.session.execute(insert, {"a": upcoming.id, "p": clinic.alice.user_id,
                                     "d": clinic.doctor.user_id})
    visit = completed_visit(uow, clock, clinic, clinic.alice, TOMORROW_10)
    with pytest.raises(IntegrityError, match="completed appointment"), uow.session.begin_nested():
        uow.session.execute(insert, {"a": visit, "p": clinic.bob.user_id,
                                     "d": clinic.doctor.user_id})
    with uow.session.begin_nested():
        uow.session.execute(insert, {"a": visit, "p": clinic.alice.user_id,
                                     "d": clinic.doctor.user_id})
    with pytest.raises(IntegrityError, match="uq_reviews_appointment_id"), \
            uow.session.begin_nested():
        uow.session.execute(insert, {"a": visit, "p": clinic.alice.user_id,
                                     "d": clinic.doctor.user_id})


def test_an_admin_hides_a_review_audited_and_it_leaves_the_average(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    first = completed_visit(uow, clock, clinic, clinic.alice, TOMORROW_10)
    second = completed_visit(uow, clock, clinic, clinic.bob, TOMORROW_10 + timedelta(hours=1))
    reviews.submit_review(uow, actor=clinic.alice, appointment_id=first, rating=5)
    rude = reviews.submit_review(uow, actor=clinic.bob, appointment_id=second, rating=1,
                                 comment="rude words")
    assert reviews.ratings(uow, doctor_id=clinic.doctor.user_id).average == 3.0
    for actor in (clinic.alice, clinic.desk, clinic.doctor):
        with pytest.raises(PermissionDenied):
            reviews.hide_review(uow, actor=actor, review_id=rude.id, reason="abuse")
    with pytest.raises(ValidationError, match="reason"):
        reviews.hide_review(uow, actor=clinic.admin, review_id=rude.id, reason=" ")
    reviews.hide_review(uow, actor=clinic.admin, review_id=rude.id, reason="abusive language")
    shown = reviews.ratings(uow, doctor_id=clinic.doctor.user_id)
    assert (shown.average, shown.count) == (5.0, 1)
    assert [r.rating for r in shown.reviews] == [5]
    assert doctors.show_doctor(uow, actor=Actor.anonymous(),
                               doctor_id=clinic.doctor.user_id).rating == 5.0
    [entry] = audit.list_entries(uow, actor=clinic.admin, action="review.hidden")
    assert entry.entity_id == str(rude.id) and entry.data["reason"] == "abusive language"
    assert uow.session.scalar(select(Review.hidden).where(Review.id == rude.id)) is True


def test_reviews_page_newest_first(uow: UnitOfWork, clinic: Clinic, clock: FixedClock) -> None:
    ids = []
    for i in range(12):
        patient = clinic.alice if i % 2 == 0 else clinic.bob
        visit = completed_visit(uow, clock, clinic, patient, TOMORROW_10 + timedelta(hours=i))
        clock.advance(timedelta(minutes=1))
        ids.append(reviews.submit_review(uow, actor=patient, appointment_id=visit,
                                         rating=1 + i % 5).id)
    page1 = reviews.ratings(uow, doctor_id=clinic.doctor.user_id)
    page2 = reviews.ratings(uow, doctor_id=clinic.doctor.user_id, page=2)
    assert (page1.pages, len(page1.reviews), len(page2.reviews)) == (2, 10, 2)
    assert [r.id for r in page1.reviews + page2.reviews] == list(reversed(ids))
    assert page1.count == 12 and sum(page1.distribution) == 12
