"""Brief 3a from the TUI: a patient books an open slot from a doctor's profile; the appointment
exists and the slot is offered to nobody any more."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from doctorbook.core.base.db import Database
from doctorbook.core.base.errors import Conflict
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking
from doctorbook.tui.app import make_app
from doctorbook.tui.dialogs.book_slot import BookSlotDialog
from tests.conftest import PASSWORD
from tests.tui.conftest import logged_in_store, settle
from tests.tui.test_booking_flows import THU_1000, Clinic, open_profile


async def test_a_patient_books_from_the_profile_and_the_slot_is_gone(
    settings: Settings, db: Database
) -> None:
    clinic = Clinic(db)
    (slot,) = clinic.slots(THU_1000)
    app = make_app(settings=settings, db=db,
                   store=logged_in_store(db, "alice@example.com", PASSWORD))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_profile(pilot)
        picker: DataTable[str] = app.screen.query_one("#slot-picker", DataTable)
        assert picker.row_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BookSlotDialog)
        await pilot.press("enter")
        await settle(pilot)
        # The only slot was booked: the picker has nothing left to offer.
        assert picker.row_count == 0 or all(cell in ("", None) for cell in picker.get_row_at(0))
    [appointment] = clinic.appointments_of("alice@example.com")
    assert appointment.slot_id == slot and appointment.status == "confirmed"

    # Another patient is refused the same slot, whatever screen they are on.
    with db.unit_of_work() as uow, pytest.raises(Conflict, match="no longer available"):
        booking.book(uow, actor=clinic.bob, slot_id=slot)
