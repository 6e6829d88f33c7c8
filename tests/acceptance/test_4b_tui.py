"""Brief 4b from the TUI: a patient cancels within the window from My appointments; the status
becomes cancelled and the audit log has the entry."""

from __future__ import annotations

from sqlalchemy import select

from doctorbook.core.base.account_models import AuditEntry
from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from tests.conftest import PASSWORD
from tests.tui.conftest import logged_in_store, settle
from tests.tui.test_booking_flows import THU_1000, Clinic


async def test_a_patient_cancels_in_time_from_my_appointments_and_it_is_audited(
    settings: Settings, db: Database
) -> None:
    clinic = Clinic(db)
    (slot,) = clinic.slots(THU_1000)  # two days ahead; the window is 24 h
    appointment = clinic.book(clinic.alice, slot)
    app = make_app(settings=settings, db=db,
                   store=logged_in_store(db, "alice@example.com", PASSWORD))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
    assert clinic.appointment(appointment).status == "cancelled"
    with db.unit_of_work() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "appointment.cancelled",
            AuditEntry.entity_id == str(appointment))).one()
        assert entry.actor_id == clinic.alice.user_id
        assert (entry.data["from"], entry.data["to"]) == ("confirmed", "cancelled")
