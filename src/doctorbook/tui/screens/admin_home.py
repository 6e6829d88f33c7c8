"""The admin's home: all appointments, and the keys to the taxonomy and to doctors joining."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from doctorbook.tui.screens.doctors_joining import DoctorsJoiningScreen
from doctorbook.tui.screens.specialties import SpecialtiesScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen


class AdminHomeScreen(StaffHomeScreen):
    """All appointments; c opens the specialties, j the invites and requests to join."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "specialties", "Specialties", id="specialties"),
        Binding("j", "doctors_joining", "Joining", id="doctors-joining"),
    ]

    palette_in_footer = False

    def action_specialties(self) -> None:
        self.app.push_screen(SpecialtiesScreen())

    def action_doctors_joining(self) -> None:
        self.app.push_screen(DoctorsJoiningScreen())
