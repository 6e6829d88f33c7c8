"""The patient's home: their upcoming and past appointments, and the way to find a doctor."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from doctorbook.tui.screens.home import HomeScreen
from doctorbook.tui.screens.search import SearchScreen

EMPTY_TEXT = "No appointments yet.\nPress s to search for a doctor and book your first visit."


class PatientHomeScreen(HomeScreen):
    """My appointments."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "search", "Search", id="search"),
    ]

    heading = "My appointments"
    empty_text = EMPTY_TEXT
    show_patient = False

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen())
