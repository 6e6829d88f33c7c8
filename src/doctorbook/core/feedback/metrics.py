"""Product metrics from recorded events, reviews and NPS answers: every rate with its parts.

Days are UTC calendar days (a clinic network spans timezones); `by` buckets them per day or
per ISO week (Monday first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Integer, cast, func, select

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.models import Event, NpsResponse, Review
from doctorbook.core.base.rbac import Actor, Permission, require

DEFAULT_DAYS = 30
MAX_DAYS = 731
BUCKETS = ("day", "week")


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator, kept whole so a reader can check it."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def to_json(self) -> dict[str, Any]:
        value = self.value
        return {"value": None if value is None else round(value, 4),
                "numerator": self.numerator, "denominator": self.denominator}

    def percent(self) -> str:
        value = self.value
        return "n/a" if value is None else f"{100 * value:.1f} %"


@dataclass(frozen=True)
class Counts:
    searches: int = 0
    opens: int = 0
    bookings: int = 0
    #: Bookings made from a search's results (the patient's path the conversion measures).
    bookings_from_search: int = 0
    cancellations: int = 0
    late_cancellations: int = 0
    completed: int = 0
    no_shows: int = 0
    emails_sent: int = 0
    emails_failed: int = 0

    @property
    def search_ctr(self) -> Ratio:
        return Ratio(self.opens, self.searches)

    @property
    def booking_conversion(self) -> Ratio:
        """Searches that led to a booking: desk bookings without a search don't count, so it
        stays a share of searches (at most 100 %)."""
        return Ratio(self.bookings_from_search, self.searches)

    @property
    def cancellation_rate(self) -> Ratio:
        return Ratio(self.cancellations, self.bookings)

    @property
    def late_cancellation_rate(self) -> Ratio:
        return Ratio(self.late_cancellations, self.bookings)

    @property
    def no_show_rate(self) -> Ratio:
        return Ratio(self.no_shows, self.completed + self.no_shows)

    @property
    def email_delivery(self) -> Ratio:
        return Ratio(self.emails_sent, self.emails_sent + self.emails_failed)

    def rates(self) -> dict[str, Ratio]:
        return {
            "search_ctr": self.search_ctr,
            "booking_conversion": self.booking_conversion,
            "cancellation_rate": self.cancellation_rate,
            "late_cancellation_rate": self.late_cancellation_rate,
            "no_show_rate": self.no_show_rate,
            "email_delivery": self.email_delivery,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": {k: getattr(self, k) for k in self.__dataclass_fields__},
            **{name: r.to_json() for name, r in self.rates().items()},
        }


@dataclass(frozen=True)
class RatingSummary:
    count: int
    total: int
    distribution: tuple[int, ...]

    @property
    def average(self) -> float | None:
        # One decimal, as the doctor's profile shows it (the sum is there for exactness).
        return round(self.total / self.count, 1) if self.count else None

    def to_json(self) -> dict[str, Any]:
        return {"average": self.average, "count": self.count, "sum": self.total,
                "distribution": {str(i + 1): n for i, n in enumerate(self.distribution)}}


@dataclass(frozen=True)
class Nps:
    promoters: int
    passives: int
    detractors: int

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """% promoters (9-10) minus % detractors (0-6), from -100 to 100."""
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses, 1)

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "responses": self.responses, "promoters": self.promoters,
                "passives": self.passives, "detractors": self.detractors}


@dataclass(frozen=True)
class Bucket:
    start: date
    counts: Counts


@dataclass(frozen=True)
class Metrics:
    first_day: date
    last_day: date
    by: str
    totals: Counts
    ratings: RatingSummary
    nps: Nps
    buckets: tuple[Bucket, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.first_day.isoformat(), "to": self.last_day.isoformat(),
            "by": self.by, "timezone": "UTC",
            **self.totals.to_json(),
            "ratings": self.ratings.to_json(),
            "nps": self.nps.to_json(),
            "series": [{"start": b.start.isoformat(), **b.counts.to_json()}
                       for b in self.buckets],
        }


_KIND_TO_FIELD = {
    "search_shown": "searches", "result_opened": "opens", "booking_made": "bookings",
    "appointment_cancelled": "cancellations", "visit_completed": "completed",
    "visit_no_show": "no_shows", "email_sent": "emails_sent", "email_failed": "emails_failed",
}


def period(first_day: date | None, last_day: date | None, today: date) -> tuple[date, date]:
    """The asked-for days (inclusive); by default the last 30 days up to today."""
    last = last_day or today
    first = first_day or (last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise ValidationError("--from must not be after --to")
    if (last - first).days >= MAX_DAYS:
        raise ValidationError(f"the period may span at most {MAX_DAYS} days")
    return first, last


def _bucket_start(day: date, by: str) -> date:
    return day - timedelta(days=day.weekday()) if by == "week" else day


def compute(
    uow: UnitOfWork, *, actor: Actor, first_day: date | None = None,
    last_day: date | None = None, by: str = "day",
) -> Metrics:
    """Every metric over the period, in totals and per bucket (admin only; 3 queries)."""
    require(actor, Permission.METRICS_VIEW)
    if by not in BUCKETS:
        raise ValidationError("--by must be day or week")
    first, last = period(first_day, last_day, uow.now().astimezone(UTC).date())
    since = datetime.combine(first, time(0), tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)

    day = cast(func.timezone("UTC", Event.at), Date).label("day")
    late = func.sum(cast(Event.data["late"].astext == "true", Integer)).label("late")
    linked = func.count().filter(Event.search_id.is_not(None)).label("linked")
    rows = uow.session.execute(
        select(day, Event.kind, func.count().label("n"), late, linked)
        .where(Event.at >= since, Event.at < until)
        .group_by(day, Event.kind)
    ).all()
    per_bucket: dict[date, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for row in rows:
        name = _KIND_TO_FIELD[row.kind]
        bucket = per_bucket.setdefault(_bucket_start(row.day, by), {})
        for target in (bucket, totals):
            target[name] = target.get(name, 0) + int(row.n)
            if row.kind == "booking_made":
                target["bookings_from_search"] = (
                    target.get("bookings_from_search", 0) + int(row.linked or 0))
            if row.kind == "appointment_cancelled":
                target["late_cancellations"] = (
                    target.get("late_cancellations", 0) + int(row.late or 0))

    starts = []
    cursor = _bucket_start(first, by)
    while cursor <= last:
        starts.append(cursor)
        cursor += timedelta(days=7 if by == "week" else 1)

    rating_rows = dict(uow.session.execute(
        select(Review.rating, func.count())
        .where(Review.hidden.is_(False), Review.created_at >= since, Review.created_at < until)
        .group_by(Review.rating)
    ).all())
    distribution = tuple(int(rating_rows.get(i, 0)) for i in range(1, 6))
    ratings = RatingSummary(count=sum(distribution),
                            total=sum((i + 1) * n for i, n in enumerate(distribution)),
                            distribution=distribution)
    score = NpsResponse.score
    nps_row = uow.session.execute(
        select(
            func.count().filter(score >= 9), func.count().filter(score.between(7, 8)),
            func.count().filter(score <= 6),
        ).where(NpsResponse.created_at >= since, NpsResponse.created_at < until)
    ).one()
    return Metrics(
        first_day=first, last_day=last, by=by, totals=Counts(**totals), ratings=ratings,
        nps=Nps(promoters=int(nps_row[0]), passives=int(nps_row[1]),
                detractors=int(nps_row[2])),
        buckets=tuple(Bucket(start=s, counts=Counts(**per_bucket.get(s, {}))) for s in starts),
    )
