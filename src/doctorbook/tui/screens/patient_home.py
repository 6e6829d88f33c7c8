"""The patient's home: their upcoming and past appointments."""

from __future__ import annotations

from doctorbook.tui.screens.home import HomeScreen

EMPTY_TEXT = "No appointments yet.\nSearch for a doctor to book your first visit."


class PatientHomeScreen(HomeScreen):
    """My appointments."""

    heading = "My appointments"
    empty_text = EMPTY_TEXT
    show_patient = False
