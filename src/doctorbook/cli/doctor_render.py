"""Rendering a doctor profile for people (a Rich panel) and for scripts (JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from doctorbook.cli.render import echo, literal, plain

if TYPE_CHECKING:
    from collections.abc import Iterable

    from doctorbook.core.doctors.doctors import DoctorProfile
    from doctorbook.core.feedback.reviews import Ratings
    from doctorbook.core.scheduling.availability import DoctorSlots, SlotRef


def slot_label(slot: SlotRef, *, with_day: bool) -> str:
    """A slot in its clinic's local time ("Wed 25 Nov 09:00") with the id `book` needs."""
    fmt = "%a %d %b %H:%M" if with_day else "%H:%M"
    return f"{slot.starts_at.strftime(fmt)} #{slot.slot_id}"


def slots_json(slots: Iterable[SlotRef]) -> list[dict[str, Any]]:
    """`starts_at` keeps the clinic's UTC offset, e.g. 2026-11-25T09:00:00+01:00."""
    return [{"slot_id": s.slot_id, "starts_at": s.starts_at.isoformat()} for s in slots]


def week_json(week: DoctorSlots) -> dict[str, Any]:
    return {"timezone": week.timezone, "from": week.first_day.isoformat(), "days": week.days,
            "slots": slots_json(week.slots)}


def print_week(week: DoctorSlots) -> None:
    """Open slots grouped by the clinic's local day, every day of the range listed."""
    from rich.console import Console
    from rich.table import Table

    if not week.slots:
        echo(f"No open slots in the {week.days} days from {week.first_day:%a %d %b} "
             f"({week.timezone}). Try another --date.")
        return
    table = Table(title=literal(f"Open slots, {week.timezone} time"), title_justify="left",
                  header_style="bold")
    table.add_column("Day", no_wrap=True)
    table.add_column("Slots (#id)", overflow="fold")
    for day, slots in week.by_day():
        table.add_row(f"{day:%a %d %b}",
                      "  ".join(slot_label(s, with_day=False) for s in slots) or "—")
    Console().print(table)
    echo("Book one with: doctorbook book SLOT_ID [--reason TEXT]")


def profile_json(
    profile: DoctorProfile, *, private: bool, week: DoctorSlots | None = None,
    next_slots: int = 3, ratings: Ratings | None = None,
) -> dict[str, Any]:
    """The profile for scripts; with `week`, its open slots (`next_slots` are its first); with
    `ratings`, the summary under `ratings` and its page of reviews as `reviews` (a list, as
    before: each entry keeps rating, comment, patient and created_at)."""
    data: dict[str, Any] = {
        "doctor_id": profile.doctor_id,
        "name": profile.name,
        "specialties": list(profile.specialties),
        "clinic": profile.clinic_name,
        "address": profile.address,
        "city": profile.city,
        "timezone": profile.timezone,
        "price": None if profile.price is None else str(profile.price),
        "currency": profile.currency,
        "bio": profile.bio,
        "rating": profile.rating,
        "review_count": profile.review_count,
        "reviews": [
            {"rating": r.rating, "comment": r.comment, "patient": r.patient_name,
             "created_at": r.created_at.isoformat()} for r in profile.reviews
        ],
        "next_slots": [] if week is None else slots_json(week.slots[:next_slots]),
        "status": profile.status,
        "visible": profile.visible,
    }
    if week is not None:
        data["slots"] = week_json(week)
    if ratings is not None:
        data["reviews"] = [r.to_json() for r in ratings.reviews]
        data["ratings"] = ratings.to_json()
    if private:
        data.update(
            email=profile.email, missing=list(profile.missing),
            slot_minutes=profile.slot_minutes, lead_minutes=profile.lead_minutes,
            cancel_hours=profile.cancel_hours, auto_confirm=profile.auto_confirm,
        )
    return data


def print_profile(profile: DoctorProfile, *, private: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_header=False, title=literal(profile.name), title_justify="left",
                  box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    price = "—" if profile.price is None else f"{profile.price} {profile.currency}"
    rating = ("No ratings yet" if profile.rating is None
              else f"{profile.rating:.1f} / 5 ({profile.review_count} reviews)")
    rows = [
        ("Specialties", ", ".join(profile.specialties) or "—"),
        ("Clinic", profile.clinic_name or "—"),
        ("Address", profile.address or "—"),
        ("City", profile.city or "—"),
        ("Price", price),
        ("Rating", rating),
        ("About", profile.bio or "—"),
    ]
    if private:
        rows += [
            ("Timezone", profile.timezone or "—"),
            ("Slots", f"{profile.slot_minutes} min, booked at least {profile.lead_minutes} min "
                      f"ahead, cancellable until {profile.cancel_hours} h before"),
            ("Auto-confirm", "yes" if profile.auto_confirm else "no"),
            ("Status", profile.status),
        ]
    for label, value in rows:
        # Everything but the labels is the doctor's or the admin's text: literal, and only
        # the bio keeps its line breaks.
        table.add_row(label, literal(value, multiline=label == "About"))
    Console().print(table)
    if private:
        if profile.visible:
            echo("Your profile is visible to patients.")
        elif profile.missing:
            echo("Not yet visible to patients; missing: " + ", ".join(profile.missing))
        else:
            echo(f"Not visible to patients: the account is {profile.status}.")


#: Full and empty stars, spelt as escapes.
STAR, NO_STAR = "\u2605", "\u2606"
BAR = "\u2588"


def stars(rating: int) -> str:
    """4 -> "★★★★☆"."""
    return STAR * rating + NO_STAR * (5 - rating)


def review_lines(ratings: Ratings, *, width: int = 20) -> list[str]:
    """The rating summary (average, count, a bar per star count from 5 to 1) and one page of
    reviews, newest first, each with its id (what `reviews hide` takes)."""
    import textwrap

    if not ratings.count or ratings.average is None:
        return ["No reviews yet."]
    noun = "review" if ratings.count == 1 else "reviews"
    lines = [f"Rating {ratings.average:.1f} / 5 from {ratings.count} {noun}"]
    most = max(ratings.distribution)
    for value in range(5, 0, -1):
        n = ratings.distribution[value - 1]
        bar = BAR * round(width * n / most)
        lines.append(f"  {value} {STAR} {bar:<{width}} {n}")
    lines.append("")
    if not ratings.reviews:
        return [*lines,
                f"No reviews on page {ratings.page}; the last page is {ratings.pages}."]
    for review in ratings.reviews:
        lines.append(f"{stars(review.rating)}  {plain(review.first_name)}, verified visit, "
                     f"{review.visit_month}  (review {review.id})")
        # Each line of the comment made printable on its own: the lines are joined with
        # newlines of ours, so none of the comment's own control characters survives.
        lines.extend(textwrap.fill(plain(paragraph), width=78, initial_indent="  ",
                                   subsequent_indent="  ")
                     for paragraph in (review.comment.split("\n") if review.comment else ()))
    if ratings.pages > 1:
        more = f"; next: --page {ratings.page + 1}" if ratings.page < ratings.pages else ""
        lines.append(f"Page {ratings.page} of {ratings.pages}{more}")
    return lines


def print_reviews(ratings: Ratings) -> None:
    """Plain text between blank lines: a comment is never read as Rich markup."""
    echo("\n".join(["", *review_lines(ratings), ""]), multiline=True)
