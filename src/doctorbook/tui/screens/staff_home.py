"""The home of doctors, receptionists and admins: the appointments their role may see; the
desk's (and admins') keys to the patient lookup and the day view."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base.rbac import Permission, Role
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.screens.home import HomeScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from doctorbook.tui.screens.search import SearchScreen

HEADINGS: dict[Role, tuple[str, str]] = {
    Role.DOCTOR: (
        "Doctor · my appointments",
        "No appointments booked with you yet.",
    ),
    Role.RECEPTIONIST: (
        "Front desk · all appointments",
        "No appointments in the clinic yet.",
    ),
    Role.ADMIN: (
        "Administration · all appointments",
        "No appointments in the clinic yet.",
    ),
}


class StaffHomeScreen(HomeScreen):
    """One screen for every staff role; the heading and empty state follow the role.

    Doctors and admins get subclasses with the keys of their own screens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "search", "Search", id="search"),
        Binding("p", "patients", "Patients", id="patients"),
        Binding("v", "day_view", "Day view", id="day-view"),
    ]

    show_patient = True

    def __init__(self, user: UserView) -> None:
        self.heading, self.empty_text = HEADINGS[user.role]
        super().__init__(user)
        if self.books_for_patients:
            # The desk's keys fill the key bar at 80 columns: ctrl+p still opens the palette.
            self.palette_in_footer = False

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen())

    @property
    def books_for_patients(self) -> bool:
        """The desk and admins book on behalf of patients; doctors don't."""
        return self.user.role.can(Permission.APPOINTMENTS_BOOK_FOR_PATIENT)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("patients", "day_view"):
            return self.books_for_patients
        return True

    def action_patients(self) -> None:
        """Find (or create) a patient; choosing one opens the day view to book for them."""
        if not self.books_for_patients:
            return

        def chosen(patient: UserView | None) -> None:
            if patient is not None:
                self.app.push_screen(DayViewScreen(patient=patient))

        self.app.push_screen(PatientLookupScreen(), chosen)

    def action_day_view(self) -> None:
        if self.books_for_patients:
            self.app.push_screen(DayViewScreen())
