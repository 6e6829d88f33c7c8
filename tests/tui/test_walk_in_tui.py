"""Walk-ins in the TUI: the desk creates a patient with a phone or a date of birth and no
e-mail, tells two "Jan Novák"s apart in the lookup by phone and birth date, adds an e-mail
later (m) and only then sends the activation; no e-mail shows as "—", never "None"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable

from doctorbook.core.accounts import patients
from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking
from doctorbook.tui.dialogs.new_patient import NO_CONTACT, NewPatientDialog
from doctorbook.tui.dialogs.patient_email import PatientEmailDialog
from doctorbook.tui.screens.patient_appointments import PatientAppointmentsScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from tests.conftest import make_user
from tests.hostile import has_control
from tests.search.conftest import add_slot, make_visible_doctor
from tests.tui.conftest import (
    app_for,
    binding_ids,
    fill,
    make_admin,
    no_crash,
    notifications,
    said,
    settle,
    steady_cursors,
    text_of,
)
from tests.tui.test_eighty import footer_fits
from tests.tui.test_patient_admin_tui import open_lookup, rows

SIZE = (80, 24)
SnapCompare = Callable[..., bool]
DESK = "rita@clinic.example"
TOMORROW_10 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("utc")


def clinic(db: Database) -> Actor:
    """An admin, the desk, a patient with an e-mail and two walk-ins called Jan Novák."""
    admin = make_admin(db)
    with db.unit_of_work() as uow:
        desk = make_user(uow, email=DESK, name="Rita Desk", role=Role.RECEPTIONIST)
    with db.unit_of_work() as uow:
        make_user(uow, email="alice@example.com", name="Alice Patient")
    with db.unit_of_work() as uow:
        patients.create_patient(uow, actor=admin, name="Jan Novák", phone="+420 601 234 567")
    with db.unit_of_work() as uow:
        patients.create_patient(uow, actor=admin, name="Jan Novák",
                                date_of_birth=date(1980, 3, 12))
    return desk


def stored(db: Database, name: str) -> list[tuple[str | None, str | None, date | None]]:
    with db.unit_of_work() as uow:
        return [tuple(r) for r in uow.session.execute(text(  # type: ignore[misc]
            "SELECT email, phone, date_of_birth FROM users WHERE name = :n ORDER BY id"),
            {"n": name})]


async def look_up(pilot: Pilot[None], query: str) -> None:
    """The desk's patient lookup (p), `query` typed in and its matches listed."""
    await open_lookup(pilot)
    await fill(pilot, "#patient-query", query)
    await settle(pilot)


async def highlight(pilot: Pilot[None], index: int) -> None:
    table: DataTable[object] = pilot.app.screen.query_one("#patients-table", DataTable)
    table.focus()
    table.move_cursor(row=index)
    await settle(pilot)


async def test_the_lookup_tells_two_jan_novaks_apart_and_shows_no_email_as_a_dash(
    settings: Settings, db: Database
) -> None:
    clinic(db)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(pilot, "jan novák")
        assert rows(app) == [["Jan Novák", "—", "+420 601 234 567", "—"],
                             ["Jan Novák", "—", "—", "1980-03-12"]]
        await highlight(pilot, 1)
        assert text_of(app, "#patient-detail") == (
            "Jan Novák · no e-mail · no phone · born 1980-03-12")
        footer_fits(pilot)
        # Found by the number however it is typed, and by the date as the desk types it.
        for typed in ("601234567", "601 234 567", "+420601234567"):
            await fill(pilot, "#patient-query", typed)
            await settle(pilot)
            assert [r[2] for r in rows(app)] == ["+420 601 234 567"], typed
        await fill(pilot, "#patient-query", "12.03.1980")
        await settle(pilot)
        assert [r[3] for r in rows(app)] == ["1980-03-12"]
        assert "None" not in str(rows(app))
        no_crash(app)


async def test_the_desk_creates_a_walk_in_with_only_a_phone(
    settings: Settings, db: Database
) -> None:
    clinic(db)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(pilot, "Petra Malá")
        await pilot.press("enter")  # nobody found: a new patient, the name already in
        await settle(pilot)
        assert isinstance(app.screen, NewPatientDialog)
        assert "e-mail, or a phone number or date of birth" in text_of(
            app, "#new-patient-hint")

        # Nothing but the name: refused in the dialog, which stays open; nothing created.
        await pilot.click("#create-patient")
        await settle(pilot)
        assert isinstance(app.screen, NewPatientDialog)
        assert text_of(app, "#new-patient-hint") == f"{NO_CONTACT}."
        assert app.focused is not None and app.focused.id == "patient-email"
        assert stored(db, "Petra Malá") == []

        await fill(pilot, "#patient-phone", "777 888 999")
        await pilot.click("#create-patient")
        await settle(pilot)
        # Created and chosen: the desk is on her appointments.
        assert isinstance(app.screen, PatientAppointmentsScreen)
        assert said(app, "Patient record created: Petra Malá, without an e-mail (nothing was "
                         "sent). m in the patient list adds one.")
        assert text_of(app, "#patient-visits-contact") == "— · 777 888 999"
        assert stored(db, "Petra Malá") == [(None, "777 888 999", None)]
        assert not any("None" in message for _, message in notifications(app))
        no_crash(app)


async def test_a_bad_phone_or_birth_date_is_refused_inline(
    settings: Settings, db: Database
) -> None:
    clinic(db)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_lookup(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NewPatientDialog)
        await fill(pilot, "#patient-name", "[b]Eva[/b] Nová")
        await fill(pilot, "#patient-phone", "[red]call me[/red]")
        await pilot.click("#create-patient")
        await settle(pilot)
        assert isinstance(app.screen, NewPatientDialog)
        hint = text_of(app, "#new-patient-hint")
        assert hint.startswith("Not a phone number: '[red]call me[/red]'")
        assert app.focused is not None and app.focused.id == "patient-phone"
        await fill(pilot, "#patient-phone", "")
        await fill(pilot, "#patient-born", "31.02.1980")
        await pilot.click("#create-patient")
        await settle(pilot)
        assert text_of(app, "#new-patient-hint").startswith("Not a date of birth")
        await fill(pilot, "#patient-born", "1.2.1999")
        await pilot.click("#create-patient")
        await settle(pilot)
        assert isinstance(app.screen, PatientAppointmentsScreen)
        assert text_of(app, "#patient-visits-contact") == "— · born 1999-02-01"
        assert stored(db, "[b]Eva[/b] Nová") == [(None, None, date(1999, 2, 1))]
        no_crash(app)


async def test_the_desk_adds_an_email_later_then_the_activation_is_offered(
    settings: Settings, db: Database
) -> None:
    clinic(db)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(pilot, "601 234 567")
        await highlight(pilot, 0)
        offered = binding_ids(app)
        assert "add-patient-email" in offered
        assert "send-activation" not in offered  # no address to send it to
        await pilot.press("a")  # pressed anyway: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, PatientLookupScreen)

        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, PatientEmailDialog)
        assert text_of(app, "#patient-email-title") == "Add an e-mail for Jan Novák"
        # Another account's address: refused in the dialog, which stays open.
        await fill(pilot, "#patient-email-value", "ALICE@example.com")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PatientEmailDialog)
        assert text_of(app, "#patient-email-hint") == (
            "An account with e-mail alice@example.com already exists.")
        await fill(pilot, "#patient-email-value", "jan.novak@mail.example")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PatientLookupScreen)
        assert said(app, "Jan Novák's e-mail is now jan.novak@mail.example. A code to set "
                         "their password is on its way.")
        assert rows(app) == [["Jan Novák", "jan.novak@mail.example", "+420 601 234 567", "—"]]
        assert stored(db, "Jan Novák")[0][0] == "jan.novak@mail.example"
        await highlight(pilot, 0)
        footer_fits(pilot)
        assert {"send-activation", "change-patient-email"} <= binding_ids(app)
        assert "add-patient-email" not in binding_ids(app)
        await pilot.press("m")  # a typo can still be fixed
        await settle(pilot)
        assert isinstance(app.screen, PatientEmailDialog)
        assert text_of(app, "#patient-email-title") == "Change Jan Novák's e-mail"
        no_crash(app)


async def test_no_email_key_for_a_patient_with_a_password(
    settings: Settings, db: Database
) -> None:
    clinic(db)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(pilot, "alice")
        await highlight(pilot, 0)
        # Her address is her login: hers to change.
        assert not {"add-patient-email", "change-patient-email"} & binding_ids(app)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, PatientLookupScreen)
        no_crash(app)


async def test_the_walk_in_s_appointments_and_a_resend_refused(
    settings: Settings, db: Database
) -> None:
    desk = clinic(db)
    admin = make_admin(db, "ada2@clinic.example")
    with db.unit_of_work() as uow:
        doctor = make_visible_doctor(uow, admin, "house@clinic.example",
                                     name="Dr Gregory House")
    with db.unit_of_work() as uow:
        slot = add_slot(uow, doctor.user_id or 0, TOMORROW_10)
    with db.unit_of_work() as uow:
        [jan] = [p for p in patients.find_patients(uow, actor=desk, query="601234567")]
        booking.book(uow, actor=desk, slot_id=slot, patient_id=jan.id, reason="knee")
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(pilot, "601234567")
        await highlight(pilot, 0)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PatientAppointmentsScreen)
        assert text_of(app, "#patient-visits-contact") == "— · +420 601 234 567"
        upcoming: DataTable[object] = app.screen.query_one("#patient-upcoming", DataTable)
        assert upcoming.row_count == 1
        upcoming.focus()
        await settle(pilot)
        await pilot.press("e")  # resend the confirmation: there is no address
        await settle(pilot)
        said = [m for _severity, m in notifications(app)]
        assert any("Jan Novák has no e-mail address" in m for m in said), said
        assert all("None" not in m and not has_control(m) for m in said)
        no_crash(app)


def test_lookup_with_walk_ins_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await look_up(pilot, "jan")
        await highlight(pilot, 0)
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, DESK), terminal_size=SIZE, run_before=run_before)


def test_patient_email_dialog_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await look_up(pilot, "jan")
        await highlight(pilot, 1)
        await pilot.press("m")
        await settle(pilot)
        await fill(pilot, "#patient-email-value", "not-an-email")
        await pilot.press("enter")
        await settle(pilot)
        await steady_cursors(pilot)
        assert isinstance(pilot.app.screen, PatientEmailDialog)

    assert snap_compare(app_for(settings, db, DESK), terminal_size=SIZE, run_before=run_before)
