"""The appointment list widget shows what its screen hands it (attributes down)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.tui.messages import AppointmentLists
from doctorbook.tui.widgets.appointments import (
    CALL_THE_CLINIC,
    LOADING,
    AppointmentList,
    format_when,
)
from tests.tui.conftest import row_values

START = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def visit(id: int, starts_at: datetime, status: str = "confirmed") -> AppointmentView:
    return AppointmentView(
        id=id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30), status=status,
        patient_id=1, patient_name="Pat Patient", doctor_id=2, doctor_name="Dr Who",
        reason="check-up",
    )


class ListApp(App[None]):
    def __init__(self, *, show_patient: bool) -> None:
        super().__init__()
        self.show_patient = show_patient

    def compose(self) -> ComposeResult:
        yield AppointmentList(empty_text="Nothing here.", show_patient=self.show_patient)


async def test_loading_then_empty_then_rows() -> None:
    app = ListApp(show_patient=False)
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(AppointmentList)
        empty = app.query_one("#appointments-empty", Static)
        assert str(empty.render()) == LOADING

        widget.lists = AppointmentLists((), ())
        await pilot.pause()
        assert str(empty.render()) == "Nothing here."
        assert not app.query_one("#appointments-tables").display

        widget.lists = AppointmentLists(
            upcoming=(visit(1, START),), past=(visit(2, START - timedelta(days=7), "no_show"),)
        )
        await pilot.pause()
        assert not empty.display
        upcoming = app.query_one("#upcoming", DataTable)
        past = app.query_one("#past", DataTable)
        # Without the time the lists were read, the "Cancel until" column stays empty.
        assert row_values(upcoming, 0) == [
            format_when(START), "Dr Who", "Confirmed", "", "check-up"
        ]
        assert row_values(past, 0)[2] == "No show"


async def test_staff_columns_and_an_empty_section() -> None:
    app = ListApp(show_patient=True)
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(AppointmentList)
        widget.lists = AppointmentLists(upcoming=(visit(1, START),), past=())
        await pilot.pause()
        upcoming = app.query_one("#upcoming", DataTable)
        assert [str(c.label) for c in upcoming.columns.values()] == [
            "When", "Patient", "Doctor", "Status"
        ]
        assert row_values(upcoming, 0)[1] == "Pat Patient"
        assert row_values(app.query_one("#past", DataTable), 0)[0] == "No past visits."


async def test_patients_see_until_when_they_may_cancel() -> None:
    """In the clinic's time; once the window has closed, 'call the clinic'."""
    app = ListApp(show_patient=False)
    berlin = "Europe/Berlin"
    soon = replace(visit(1, START), timezone=berlin)
    later = replace(visit(2, START + timedelta(days=3)), timezone=berlin)
    gone = replace(visit(3, START + timedelta(days=4), "cancelled"), timezone=berlin)
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(AppointmentList)
        widget.lists = AppointmentLists(
            upcoming=(soon, later, gone), past=(), as_of=START - timedelta(hours=12)
        )
        await pilot.pause()
        upcoming = app.query_one("#upcoming", DataTable)
        assert [str(c.label) for c in upcoming.columns.values()] == [
            "When", "Doctor", "Status", "Cancel until", "Reason"
        ]
        assert [row_values(upcoming, i)[3] for i in range(3)] == [
            CALL_THE_CLINIC, "Fri 27 Nov 11:30", "—"
        ]
        assert row_values(upcoming, 0)[0] == "Wed 25 Nov 2026 11:30"  # Berlin time
        assert widget.highlighted_upcoming() == soon
