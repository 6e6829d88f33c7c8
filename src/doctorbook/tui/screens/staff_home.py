"""The home of doctors, receptionists and admins: the appointments their role may see."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from doctorbook.core.auth import UserView
from doctorbook.core.rbac import Role
from doctorbook.tui.screens.home import HomeScreen
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
    ]

    show_patient = True

    def __init__(self, user: UserView) -> None:
        self.heading, self.empty_text = HEADINGS[user.role]
        super().__init__(user)

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen())
