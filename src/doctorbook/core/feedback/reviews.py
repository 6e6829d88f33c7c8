"""Reviews of completed visits, a doctor's ratings, moderation, and the optional NPS answer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from doctorbook.core.base import audit
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.models import Appointment, Doctor, NpsResponse, Review, User
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.base.text import clean_text

MAX_COMMENT = 2000
PAGE_SIZE = 10


@dataclass(frozen=True)
class ReviewEntry:
    """A review as the public sees it: the patient's first name and the visit's month."""

    id: int
    rating: int
    comment: str | None
    created_at: datetime
    first_name: str
    visit_month: str
    hidden: bool = False

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "rating": self.rating, "comment": self.comment,
                "created_at": self.created_at.isoformat(), "patient": self.first_name,
                "visit": self.visit_month, "verified_visit": True}


@dataclass(frozen=True)
class Ratings:
    """A doctor's visible reviews: average (1 decimal), count, 1-5 distribution, one page."""

    doctor_id: int
    average: float | None
    count: int
    distribution: tuple[int, int, int, int, int]
    reviews: tuple[ReviewEntry, ...]
    page: int
    pages: int

    def to_json(self) -> dict[str, object]:
        return {
            "average": self.average, "count": self.count,
            "distribution": {str(i + 1): n for i, n in enumerate(self.distribution)},
            "page": self.page, "pages": self.pages,
            "reviews": [r.to_json() for r in self.reviews],
        }


@dataclass(frozen=True)
class ReviewView:
    id: int
    appointment_id: int
    doctor_id: int
    rating: int
    comment: str | None
    hidden: bool


def clean_comment(value: str | None) -> str | None:
    """A review's comment: line breaks kept, other control characters refused, padding
    dropped; at most 2,000 characters."""
    return clean_text(value, label="the comment", limit=MAX_COMMENT, multiline=True)


def clean_hide_reason(value: str | None) -> str | None:
    """Why an admin hid a review: one line (it goes into the audit log), at most 2,000."""
    return clean_text(value, label="the reason", limit=MAX_COMMENT)


def check_rating(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError("the rating must be a whole number from 1 to 5")
    return value


def _adjust_totals(uow: UnitOfWork, doctor_id: int, rating: int, sign: int) -> None:
    uow.session.execute(
        update(Doctor).where(Doctor.user_id == doctor_id).values(
            review_count=Doctor.review_count + sign,
            rating_total=Doctor.rating_total + sign * rating)
    )


def reviewed_visits(uow: UnitOfWork, *, actor: Actor) -> frozenset[int]:
    """The ids of the acting patient's visits they have reviewed (hidden reviews included:
    a visit is reviewed once, whatever moderation did with it)."""
    require(actor, Permission.REVIEWS_WRITE)
    return frozenset(uow.session.scalars(
        select(Review.appointment_id).where(Review.patient_id == actor.user_id)))


def submit_review(
    uow: UnitOfWork, *, actor: Actor, appointment_id: int, rating: int,
    comment: str | None = None, nps: int | None = None,
) -> ReviewView:
    """Only the appointment's patient, only once it is completed, once per appointment."""
    require(actor, Permission.REVIEWS_WRITE)
    rating = check_rating(rating)
    text = clean_comment(comment)
    if nps is not None and (isinstance(nps, bool) or not 0 <= nps <= 10):
        raise ValidationError("the recommendation score must be from 0 to 10")
    visit = uow.session.scalars(
        select(Appointment).where(Appointment.id == appointment_id).with_for_update()
    ).first()
    if visit is None:
        raise NotFound(f"no appointment {appointment_id}")
    if visit.patient_id != actor.user_id:
        raise PermissionDenied("access denied: only the patient of that visit may review it")
    if visit.status != "completed":
        raise PolicyViolation(
            f"appointment {appointment_id} is {visit.status.replace('_', ' ')}; you can review "
            "a visit once it is completed"
        )
    if uow.session.scalar(select(Review.id).where(Review.appointment_id == appointment_id)):
        raise Conflict(f"you have already reviewed appointment {appointment_id}")
    review = Review(appointment_id=appointment_id, patient_id=visit.patient_id,
                    doctor_id=visit.doctor_id, rating=rating, comment=text, hidden=False,
                    created_at=uow.now())
    uow.session.add(review)
    try:
        uow.session.flush()
    except IntegrityError:
        raise Conflict(f"you have already reviewed appointment {appointment_id}") from None
    _adjust_totals(uow, visit.doctor_id, rating, +1)
    if nps is not None:
        uow.session.add(NpsResponse(appointment_id=appointment_id, patient_id=visit.patient_id,
                                    score=nps, created_at=uow.now()))
    # The comment stays out of the audit log: the review row holds it.
    audit.record(uow, actor=actor, action="review.submitted", entity_kind="review",
                 entity_id=review.id,
                 data={"appointment_id": appointment_id, "rating": rating,
                       "nps": nps is not None})
    uow.commit()
    return ReviewView(id=review.id, appointment_id=appointment_id, doctor_id=visit.doctor_id,
                      rating=rating, comment=text, hidden=False)


def answer_nps(uow: UnitOfWork, *, actor: Actor, appointment_id: int, score: int) -> None:
    """The optional 0-10 question after a review, once per visit."""
    require(actor, Permission.REVIEWS_WRITE)
    if isinstance(score, bool) or not 0 <= score <= 10:
        raise ValidationError("the recommendation score must be from 0 to 10")
    reviewed = uow.session.execute(
        select(Review.patient_id).where(Review.appointment_id == appointment_id)).first()
    if reviewed is None or reviewed.patient_id != actor.user_id:
        raise PolicyViolation("answer after reviewing that visit")
    uow.session.add(NpsResponse(appointment_id=appointment_id, patient_id=actor.user_id,
                                score=score, created_at=uow.now()))
    try:
        uow.session.flush()
    except IntegrityError:
        raise Conflict("you have already answered for that visit") from None
    uow.commit()


def hide_review(uow: UnitOfWork, *, actor: Actor, review_id: int, reason: str) -> ReviewView:
    """An admin hides a review (it leaves the average); audited with the reason."""
    require(actor, Permission.REVIEWS_MODERATE)
    why = clean_hide_reason(reason)
    if not why:
        raise ValidationError("give a reason for hiding the review")
    review = uow.session.scalars(
        select(Review).where(Review.id == review_id).with_for_update()).first()
    if review is None:
        raise NotFound(f"no review {review_id}")
    if review.hidden:
        raise PolicyViolation(f"review {review_id} is already hidden")
    review.hidden, review.hidden_reason = True, why
    review.hidden_by_id, review.hidden_at = actor.user_id, uow.now()
    uow.session.flush()
    _adjust_totals(uow, review.doctor_id, review.rating, -1)
    audit.record(uow, actor=actor, action="review.hidden", entity_kind="review",
                 entity_id=review_id, data={"reason": why, "doctor_id": review.doctor_id})
    uow.commit()
    return ReviewView(id=review.id, appointment_id=review.appointment_id,
                      doctor_id=review.doctor_id, rating=review.rating, comment=review.comment,
                      hidden=True)


def ratings(uow: UnitOfWork, *, doctor_id: int, page: int = 1,
            per_page: int = PAGE_SIZE) -> Ratings:
    """Visible reviews of a doctor, newest first, one page of them (anyone may read)."""
    if page < 1:
        raise ValidationError("page must be 1 or more")
    visible = (Review.doctor_id == doctor_id, Review.hidden.is_(False))
    counts = dict(uow.session.execute(
        select(Review.rating, func.count()).where(*visible).group_by(Review.rating)).all())
    distribution = tuple(int(counts.get(i, 0)) for i in range(1, 6))
    total = sum(distribution)
    average = (round(sum((i + 1) * n for i, n in enumerate(distribution)) / total, 1)
               if total else None)
    rows = uow.session.execute(
        select(Review, User.name, Appointment.starts_at, Doctor.timezone)
        .join(User, User.id == Review.patient_id)
        .join(Appointment, Appointment.id == Review.appointment_id)
        .outerjoin(Doctor, Doctor.user_id == Review.doctor_id)
        .where(*visible)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    entries = tuple(
        ReviewEntry(id=r.id, rating=r.rating, comment=r.comment, created_at=r.created_at,
                    first_name=(name.split() or ["A patient"])[0],
                    # The visit's month where it happened: the clinic's own calendar.
                    visit_month=_month(visited.astimezone(ZoneInfo(zone or "UTC")).date()))
        for r, name, visited, zone in rows
    )
    return Ratings(doctor_id=doctor_id, average=average, count=total,
                   distribution=distribution,  # type: ignore[arg-type]
                   reviews=entries, page=page, pages=max(1, math.ceil(total / per_page)))


def _month(day: date) -> str:
    return f"{day:%B %Y}"
