"""A doctor's public profile: specialties, clinic, price, rating, and the week's open slots as
a picker: a patient moves to a time and presses Enter (or b) to book it. Below, the ratings
(average, count, distribution) and the reviews, newest first, a page at a time ([ and ]).

Opened from a search, the screen is given that search's id: core records the opening with
it, and a booking made here names it too."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from doctorbook.core.base import live
from doctorbook.core.base.live import Changes
from doctorbook.core.base.rbac import Permission
from doctorbook.core.booking import booking, search
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.booking.search import DoctorPage
from doctorbook.core.doctors.doctors import DoctorProfile
from doctorbook.core.feedback.reviews import Ratings
from doctorbook.core.scheduling.availability import DoctorSlots, SlotRef
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.book_slot import BookSlotDialog
from doctorbook.tui.messages import AppointmentChanged
from doctorbook.tui.widgets.appointments import booked_note, doctor_title
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.ratings import NEWER_KEY, OLDER_KEY, RatingsPanel
from doctorbook.tui.widgets.ratings import NO_REVIEWS as NO_REVIEWS

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

#: The booking call (its refusal makes the page be read again).
BOOK = "book"
LOADING = "Loading the profile…"
NO_SLOTS = "No open slots in the next 7 days."
FIELDS = ("specialties", "clinic", "address", "city", "price", "rating", "about")
#: Times per row of the picker: a day with more slots continues on the next row (fits 80x24).
SLOTS_PER_ROW = 8
PICK_HINT = "Enter books"
STAFF_HINT = "the desk books in the day view"
STAFF_CANT_BOOK = (
    "Patients book here. To book for a patient, use the day view (v on the home screen)."
)


def format_price(price: Decimal | None, currency: str) -> str:
    return "—" if price is None else f"{price} {currency}"


def format_rating(profile: DoctorProfile) -> str:
    if profile.rating is None:
        return "No ratings yet"
    count = profile.review_count
    return f"{profile.rating:.1f} / 5 ({count} review{'s' if count != 1 else ''})"


def picker_rows(week: DoctorSlots | None) -> list[tuple[str, tuple[SlotRef, ...]]]:
    """(day label, slots) per row of the picker: days with open slots only, in clinic time;
    a day with more than SLOTS_PER_ROW slots goes on over several rows (label on the first)."""
    rows: list[tuple[str, tuple[SlotRef, ...]]] = []
    for day, slots in week.by_day() if week is not None else ():
        for start in range(0, len(slots), SLOTS_PER_ROW):
            label = f"{day:%a %d %b}" if start == 0 else ""
            rows.append((label, slots[start:start + SLOTS_PER_ROW]))
    return rows


def clinic_line(profile: DoctorProfile) -> str:
    """'Central Clinic, Hauptstr. 1, Berlin' (whatever of it is filled in)."""
    parts = [profile.clinic_name, profile.address, profile.city]
    return ", ".join(p for p in parts if p) or "—"


def slot_when(slot: SlotRef, zone: str) -> str:
    """'Wed 25 Nov 2026 at 10:00 (Europe/Berlin time)'."""
    return f"{slot.starts_at:%a %d %b %Y at %H:%M} ({zone} time)"


def confirmation_note(profile: DoctorProfile) -> str:
    if profile.auto_confirm:
        return "Confirmed at once; you get an e-mail with the details."
    return "The clinic confirms the visit; you get an e-mail when it does."


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


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class DoctorProfileScreen(Screen[None], CoreCalls):
    """Reads doctor `doctor_id`'s page when shown, then sets `week` and `ratings`, then
    `profile` (every time, so a reload after booking redraws the picker). `search_id`: the
    search this profile was opened from, if any."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "book", "Book", id="book-slot"),
        # Off the key bar (it fits 80 columns with one of the two): the page line under the
        # reviews names both keys, and so does the help.
        Binding(NEWER_KEY, "reviews_page(-1)", "Newer reviews", id="newer-reviews",
                key_display=NEWER_KEY, show=False),
        Binding(OLDER_KEY, "reviews_page(1)", "Older reviews", id="older-reviews",
                key_display=OLDER_KEY),
        Binding("escape", "back", "Back", id="back"),
    ]

    profile: reactive[DoctorProfile | None] = reactive(None, init=False, always_update=True)
    #: Set just before `profile`, which redraws everything.
    week: DoctorSlots | None = None
    ratings: Ratings | None = None

    def __init__(self, doctor_id: int, *, search_id: uuid.UUID | None = None) -> None:
        super().__init__()
        self.doctor_id = doctor_id
        self.search_id = search_id
        #: The page of reviews asked for (answers for another page are dropped).
        self.reviews_page = 1
        #: The slot of each picker cell, by (row, column).
        self._cells: dict[tuple[int, int], SlotRef] = {}
        #: A booking is on its way: Enter doesn't send a second one.
        self._booking = False

    @property
    def doctorbook(self) -> DoctorbookApp:
        return cast("DoctorbookApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with VerticalScroll(id="doctor-body", classes="home-body"):
            yield Label(LOADING, id="doctor-name", classes="screen-title", markup=False)
            with Grid(id="doctor-facts", classes="facts-grid"):
                for field in FIELDS:
                    yield Label(field.capitalize(), classes="fact-label")
                    yield Static("", id=f"fact-{field}", classes="fact-value", markup=False)
            yield Label("Open slots", id="slots-title", classes="section-title")
            yield Static(NO_SLOTS, id="doctor-slots", classes="form-hint")
            yield DataTable(id="slot-picker", cursor_type="cell", show_header=False)
            yield Label("Ratings and reviews", id="reviews-title", classes="section-title")
            yield RatingsPanel(id="doctor-reviews")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Doctor"
        self.query_one("#doctor-facts").display = False
        picker: DataTable[str] = self.query_one("#slot-picker", DataTable)
        for column in range(SLOTS_PER_ROW):
            picker.add_column("", width=5, key=f"t{column}")
        picker.display = False
        # Only this first read names the search: reloads must not count a second opening.
        self._load(search_id=self.search_id)

    def refresh_data(self, changes: Changes) -> None:
        """Slots of this doctor taken, freed or made elsewhere: the week shown is read again."""
        if (changes.touches(live.DOCTORS, self.doctor_id)
                or changes.touches(live.SLOTS, self.doctor_id)):
            self._reload()

    def _reload(self) -> None:
        # From the primary: after this user's booking, or a change just announced, the hot
        # standby may not have replayed it yet, and nothing would announce it again.
        self._load(search_id=None, fresh=True)

    @property
    def _is_patient(self) -> bool:
        user = self.doctorbook.user
        return user is not None and user.role.can(Permission.APPOINTMENTS_BOOK_SELF)

    def watch_profile(self, profile: DoctorProfile | None) -> None:
        if profile is None:
            return
        self.sub_title = profile.name
        self.query_one("#doctor-name", Label).update(profile.name)
        for field, value in profile_rows(profile).items():
            self.query_one(f"#fact-{field}", Static).update(value)
        self.query_one("#doctor-facts").display = True
        self._show_week(self.week)
        ratings = self.ratings
        if ratings is not None and ratings.page > ratings.pages:
            # Reviews were hidden meanwhile and this page is gone: show the last one.
            self.reviews_page = ratings.pages
            self._reload()
            return
        panel = self.query_one(RatingsPanel)
        paged = panel.ratings is not None and ratings is not None and (
            panel.ratings.page != ratings.page)
        panel.ratings = ratings
        if paged:
            self.query_one("#reviews-title").scroll_visible(top=True, animate=False)
        self.refresh_bindings()

    def _show_week(self, week: DoctorSlots | None) -> None:
        """Fill the picker, the cursor staying where it was (moved onto a slot if need be)."""
        picker: DataTable[str] = self.query_one("#slot-picker", DataTable)
        had_focus, cursor = picker.has_focus, picker.cursor_coordinate
        picker.clear()
        self._cells = {}
        rows = picker_rows(week)
        for row, (label, slots) in enumerate(rows):
            cells = [f"{s.starts_at:%H:%M}" for s in slots]
            picker.add_row(*cells, *[""] * (SLOTS_PER_ROW - len(cells)), key=str(row),
                           label=label)
            for column, slot in enumerate(slots):
                self._cells[(row, column)] = slot
        zone = week.timezone if week is not None else ""
        hint = PICK_HINT if self._is_patient else STAFF_HINT
        self.query_one("#slots-title", Label).update(
            f"Open slots in the next 7 days ({zone} time) · {hint}" if rows else "Open slots"
        )
        self.query_one("#doctor-slots", Static).display = not rows
        picker.display = bool(rows)
        if not rows:
            return
        row = min(cursor.row, len(rows) - 1)
        column = cursor.column
        while column > 0 and (row, column) not in self._cells:
            column -= 1
        picker.move_cursor(row=row, column=column, animate=False)
        body = self.query_one("#doctor-body")
        if had_focus or (self.is_current and self.focused in (None, body)):
            picker.focus()
        self.refresh_bindings()

    @property
    def highlighted(self) -> SlotRef | None:
        """The open slot under the picker's cursor."""
        picker: DataTable[str] = self.query_one("#slot-picker", DataTable)
        if not picker.display or picker.row_count == 0:
            return None
        cursor = picker.cursor_coordinate
        return self._cells.get((cursor.row, cursor.column))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "book":
            return self._is_patient and self.highlighted is not None
        if action == "reviews_page":
            ratings = self.ratings
            if ratings is None or not parameters:
                return False
            wanted = ratings.page + cast(int, parameters[0])
            return 1 <= wanted <= ratings.pages
        return True

    def action_reviews_page(self, step: int) -> None:
        """The previous (newer) or next (older) page of reviews; the picker keeps its keys."""
        ratings = self.ratings
        if ratings is None or not 1 <= ratings.page + step <= ratings.pages:
            return
        self.reviews_page = ratings.page + step
        self._load(search_id=None)

    @on(DataTable.CellHighlighted, "#slot-picker")
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.CellSelected, "#slot-picker")
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        coordinate: Coordinate = event.coordinate
        slot = self._cells.get((coordinate.row, coordinate.column))
        if slot is not None:
            self._ask_to_book(slot)

    def action_book(self) -> None:
        slot = self.highlighted
        if slot is not None:
            self._ask_to_book(slot)

    def _ask_to_book(self, slot: SlotRef) -> None:
        profile, week = self.profile, self.week
        if profile is None or week is None or self._booking:
            return
        if not self._is_patient:
            self.notify(STAFF_CANT_BOOK, severity="warning", markup=False)
            return

        def answered(reason: str | None) -> None:
            if reason is not None:
                self._booking = True
                self._book(slot, reason or None)

        self.app.push_screen(
            BookSlotDialog(
                doctor=doctor_title(profile.name), clinic=clinic_line(profile),
                when=slot_when(slot, week.timezone), note=confirmation_note(profile),
            ),
            answered,
        )

    # --- calls to core ----------------------------------------------------------------------

    class PageLoaded(Message):
        """The doctor's profile, their next week's open slots and one page of their reviews."""

        def __init__(self, page: DoctorPage) -> None:
            super().__init__()
            self.page = page

    class Booked(Message):
        """The booking went through (the app has been told)."""

    def _load(self, *, search_id: uuid.UUID | None, fresh: bool = False) -> None:
        """Read the page (a read still on its way is dropped: this one is newer). Unless it
        must be `fresh`, on the hot standby when there is one: a slot taken a moment ago may
        show open there, and the booking, on the primary, refuses it."""
        self.call(self.PageLoaded, search.doctor_page, as_="user" if fresh else "read_user",
                  doctor_id=self.doctor_id, search_id=search_id, page=self.reviews_page)

    def on_doctor_profile_screen_page_loaded(self, message: PageLoaded) -> None:
        page = message.page
        if page.ratings.page != self.reviews_page:
            return  # an answer for a page of reviews the patient has left
        self.week = page.week
        self.ratings = page.ratings
        self.profile = page.profile

    def _book(self, slot: SlotRef, reason: str | None) -> None:
        app = self.app

        def booked(view: AppointmentView) -> DoctorProfileScreen.Booked:
            # Straight to the app, not through this screen: the patient may have left it
            # (Escape while booking), whose calls' answers then never arrive; they must still
            # hear of the booking, and a kiosk still logs out.
            app.post_message(AppointmentChanged(view, booked_note(view), booked=True))
            return self.Booked()

        self.call(booked, booking.book, group=BOOK, exclusive=False, slot_id=slot.slot_id,
                  reason=reason, search_id=self.search_id)

    def on_doctor_profile_screen_booked(self, message: Booked) -> None:
        """Booked: the slot leaves the picker (the app says so and refreshes the lists)."""
        self._booking = False
        self._reload()

    @on(CallFailed)
    def _booking_refused(self, message: CallFailed) -> None:
        """After a refused booking the slots are read again: someone may have taken one.
        (The app, next, says why.)"""
        if message.group != BOOK:
            return
        self._booking = False
        if message.refusal is not None:
            self._reload()

    def action_back(self) -> None:
        self.dismiss()
