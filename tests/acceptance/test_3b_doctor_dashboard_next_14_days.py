"""Brief 3b: given a doctor view, when they open the dashboard, then they see upcoming
appointments for the next 14 days (their own only, grouped by day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.widgets import DataTable

from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from tests.conftest import PASSWORD
from tests.tui.conftest import logged_in_store, settle
from tests.tui.test_booking_flows import THU_1000, Clinic


async def test_the_doctor_sees_the_next_14_days_on_opening_the_dashboard(
    settings: Settings, db: Database
) -> None:
    clinic = Clinic(db)
    day_13 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Mon 7 Dec 10:00 Berlin: day 14 of 14
    day_15 = day_13 + timedelta(days=2)
    inside, second, last, beyond = clinic.slots(
        THU_1000, THU_1000 + timedelta(minutes=30), day_13, day_15)
    clinic.book(clinic.alice, inside, "Chest pain")
    clinic.book(clinic.bob, second)
    clinic.book(clinic.alice, last)
    clinic.book(clinic.bob, beyond)
    app = make_app(settings=settings, db=db,
                   store=logged_in_store(db, "henry@example.com", PASSWORD))
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DoctorHomeScreen)  # the dashboard is the doctor's home
        table: DataTable[object] = app.screen.query_one("#dashboard-table", DataTable)
        shown = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    assert [row[2:5] for row in shown] == [
        ["10:00-10:30", "Confirmed", "Alice Patient"],
        ["10:30-11:00", "Confirmed", "Bob Patient"],
        ["10:00-10:30", "Confirmed", "Alice Patient"],
    ]
    # Grouped by day: the day is written once, on its first row.
    assert [row[1] for row in shown] == ["Thu 26 Nov", "", "Mon 07 Dec"]
