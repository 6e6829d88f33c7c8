"""The doctor's home: the dashboard of their next 14 days, and the keys to their profile and
schedule."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from doctorbook.tui.screens.doctor_dashboard import DoctorDashboardScreen
from doctorbook.tui.screens.profile_form import ProfileFormScreen
from doctorbook.tui.screens.schedule_editor import ScheduleEditorScreen


class DoctorHomeScreen(DoctorDashboardScreen):
    """The dashboard of the doctor's next 14 days; p opens the profile form, w the schedule."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "profile", "My profile", id="profile"),
        Binding("w", "schedule", "Schedule", id="schedule"),
    ]

    def action_profile(self) -> None:
        self.app.push_screen(ProfileFormScreen())

    def action_schedule(self) -> None:
        self.app.push_screen(ScheduleEditorScreen())
