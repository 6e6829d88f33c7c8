"""A doctor's public profile: specialties, clinic, price, rating and reviews."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from doctorbook.core.availability import DoctorSlots
from doctorbook.core.doctors import DoctorProfile, ReviewView
from doctorbook.tui.messages import DoctorProfileRequested

LOADING = "Loading the profile…"
NO_SLOTS = "No open slots in the next 7 days."
NO_REVIEWS = "No reviews yet."
FIELDS = ("specialties", "clinic", "address", "city", "price", "rating", "about")


def format_price(price: Decimal | None, currency: str) -> str:
    return "—" if price is None else f"{price} {currency}"


def format_rating(profile: DoctorProfile) -> str:
    if profile.rating is None:
        return "No ratings yet"
    count = profile.review_count
    return f"{profile.rating:.1f} / 5 ({count} review{'s' if count != 1 else ''})"


def format_review(review: ReviewView) -> str:
    stars = "★" * review.rating + "☆" * (5 - review.rating)
    when = review.created_at.astimezone().strftime("%d %b %Y")
    text = f"{stars}  {review.patient_name} · {when}"
    return f"{text}\n{review.comment}" if review.comment else text


def format_week(week: DoctorSlots | None) -> str:
    """The next 7 days' open slots, one line per day with slots, in the clinic's time."""
    if week is None or not week.slots:
        return NO_SLOTS
    lines = [f"Open slots ({week.timezone} time):"]
    for day, slots in week.by_day():
        if slots:
            times = " ".join(f"{s.starts_at:%H:%M}" for s in slots)
            lines.append(f"{day:%a %d %b}  {times}")
    return "\n".join(lines)


def profile_rows(profile: DoctorProfile) -> dict[str, str]:
    """The shown value of each of `FIELDS`."""
    return {
        "specialties": ", ".join(profile.specialties) or "—",
        "clinic": profile.clinic_name or "—",
        "address": profile.address or "—",
        "city": profile.city or "—",
        "price": format_price(profile.price, profile.currency),
        "rating": format_rating(profile),
        "about": profile.bio or "—",
    }


class DoctorProfileScreen(Screen[None]):
    """Asks for doctor `doctor_id` when shown; the app sets `profile`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
    ]

    profile: reactive[DoctorProfile | None] = reactive(None, init=False)
    #: Set by the app just before `profile`, which redraws everything.
    week: DoctorSlots | None = None

    def __init__(self, doctor_id: int) -> None:
        super().__init__()
        self.doctor_id = doctor_id

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with VerticalScroll(id="doctor-body", classes="home-body"):
            yield Label(LOADING, id="doctor-name", classes="screen-title", markup=False)
            with Grid(id="doctor-facts", classes="facts-grid"):
                for field in FIELDS:
                    yield Label(field.capitalize(), classes="fact-label")
                    yield Static("", id=f"fact-{field}", classes="fact-value", markup=False)
            yield Static(NO_SLOTS, id="doctor-slots", classes="form-hint")
            yield Label("Reviews", classes="section-title")
            yield Vertical(id="doctor-reviews")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Doctor"
        self.query_one("#doctor-facts").display = False
        self.post_message(DoctorProfileRequested(self.doctor_id))

    def watch_profile(self, profile: DoctorProfile | None) -> None:
        if profile is None:
            return
        self.sub_title = profile.name
        self.query_one("#doctor-name", Label).update(profile.name)
        for field, value in profile_rows(profile).items():
            self.query_one(f"#fact-{field}", Static).update(value)
        self.query_one("#doctor-facts").display = True
        self.query_one("#doctor-slots", Static).update(format_week(self.week))
        reviews = self.query_one("#doctor-reviews", Vertical)
        reviews.remove_children()
        if not profile.reviews:
            reviews.mount(Static(NO_REVIEWS, classes="review"))
            return
        reviews.mount_all(
            Static(format_review(r), classes="review", markup=False) for r in profile.reviews
        )

    def action_back(self) -> None:
        self.dismiss()
