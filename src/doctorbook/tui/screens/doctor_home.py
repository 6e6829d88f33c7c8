"""The doctor's home: their appointments, and the key to their profile."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from doctorbook.tui.screens.profile_form import ProfileFormScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen


class DoctorHomeScreen(StaffHomeScreen):
    """Appointments booked with the doctor; p opens the profile form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "profile", "My profile", id="profile"),
    ]

    def action_profile(self) -> None:
        self.app.push_screen(ProfileFormScreen())
