"""Pilot tests on the real database: doctors join (invite or request), profiles, search."""

from __future__ import annotations

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Select, Static

from doctorbook.core.base.db import Database
from doctorbook.core.base.models import DoctorRequest, EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.scheduling import schedule, slots
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.accept_invite import AcceptInviteScreen
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from doctorbook.tui.screens.doctor_profile import NO_REVIEWS, DoctorProfileScreen
from doctorbook.tui.screens.doctors_joining import DoctorsJoiningScreen
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.profile_form import ProfileFormScreen
from doctorbook.tui.screens.request_join import RequestJoinScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import (
    add_specialties,
    ask_to_join,
    binding_ids,
    fill,
    logged_in_store,
    make_admin,
    make_doctor,
    notifications,
    row_values,
    settle,
)

SIZE = (80, 24)
ADMIN_KEYS = {"specialties", "doctors-joining"}


def text_of(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def rows(pilot: Pilot[None], selector: str) -> list[list[object]]:
    table: DataTable[object] = pilot.app.screen.query_one(selector, DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


async def test_profile_form_refusals_are_notifications(settings: Settings, db: Database) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology")
    make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                specialty_names=("Cardiology",), city=None)
    store = logged_in_store(db, "henry@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await fill(pilot, "#slot_minutes", "")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert ("error", "Slot minutes: enter a whole number.") in notifications(app)
        assert app.screen.focused is app.screen.query_one("#slot_minutes", Input)

        await fill(pilot, "#slot_minutes", "30")
        await fill(pilot, "#timezone", "Mars/Olympus")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (
            "error",
            "Not an IANA timezone: 'Mars/Olympus' (for example Europe/Berlin or America/New_York)",
        ) in notifications(app)
        assert isinstance(app.screen, ProfileFormScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DoctorHomeScreen)


async def test_patient_searches_by_specialty_and_opens_a_public_profile(
    settings: Settings, db: Database
) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", "Dermatology")
    henry = make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                        specialty_names=("Cardiology",), bio="Hearts and more.")
    make_doctor(db, admin, email="dora@example.com", name="Dora Derm",
                specialty_names=("Dermatology",), city="Hamburg", price="60")
    # Henry works Wednesday mornings (the clock says Tuesday 24 Nov, 10:00 in Berlin).
    with db.unit_of_work() as uow:
        schedule.add_rule(uow, actor=Actor(henry, Role.DOCTOR, "henry@example.com"),
                          weekday="wed", start="09:00", end="10:00")
    with db.unit_of_work() as uow:
        slots.generate(uow, actor=admin, days=14)
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    store = logged_in_store(db, "pat@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        # Soonest availability first: Henry has a slot tomorrow, Dora none published.
        assert [r[0] for r in rows(pilot, "#results")] == ["Henry Heart", "Dora Derm"]
        assert [s.name for s in app.screen.specialties or ()] == ["Cardiology", "Dermatology"]
        select: Select[str] = app.screen.query_one("#specialty", Select)

        select.value = "Cardiology"
        await settle(pilot)
        # At 80 columns the clinic is in the line under the table.
        assert rows(pilot, "#results") == [
            ["Henry Heart", "80.00 EUR", "25 Nov 09:00", "Cardiology", "Berlin"]
        ]
        assert text_of(pilot, "#search-status").startswith("1 doctor found.")

        app.screen.query_one("#results", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DoctorProfileScreen)
        assert text_of(pilot, "#doctor-name") == "Henry Heart"
        assert text_of(pilot, "#fact-price") == "80.00 EUR"
        assert text_of(pilot, "#fact-rating") == "No ratings yet"
        assert text_of(pilot, "#fact-about") == "Hearts and more."
        assert str(app.screen.query_one("#slots-title", Label).render()) == (
            "Open slots in the next 7 days (Europe/Berlin time) · Enter books"
        )
        picker: DataTable[str] = app.screen.query_one("#slot-picker", DataTable)
        assert [str(row.label) for row in picker.ordered_rows] == ["Wed 25 Nov"]
        assert row_values(picker, 0)[:3] == ["09:00", "09:30", ""]
        assert text_of(pilot, "#doctor-reviews Static") == NO_REVIEWS
        assert not any("Book" in str(b.label) for b in app.screen.query("Button"))

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        select.value = Select.NULL
        await fill(pilot, "#city", "hamburg")
        await pilot.press("enter")
        await settle(pilot)
        assert [r[0] for r in rows(pilot, "#results")] == ["Dora Derm"]
        await fill(pilot, "#city", "Paris")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(pilot, "#results") == []
        assert text_of(pilot, "#search-status") == "No doctor matches these filters."


async def test_request_to_join_then_admin_approves_and_rejects(
    settings: Settings, db: Database
) -> None:
    make_admin(db)
    ask_to_join(db, "otto@example.com", "Otto Other")
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, RequestJoinScreen)
        await fill(pilot, "#name", "Dr Jana Novak")
        await fill(pilot, "#email", "jana@example.com")
        await fill(pilot, "#message", "Cardiologist, 10 years")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert (
            "information",
            "Thank you, Dr Jana Novak. An admin will review your request and write to "
            "jana@example.com.",
        ) in notifications(app)

        await fill(pilot, "#email", "ada@clinic.example")
        await fill(pilot, "#password", PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AdminHomeScreen)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, DoctorsJoiningScreen)
        assert [r[:2] for r in rows(pilot, "#requests-table")] == [
            ["Otto Other", "otto@example.com"], ["Dr Jana Novak", "jana@example.com"],
        ]
        assert "approve-request" not in binding_ids(app)  # the form has the focus
        await pilot.press("a")  # typed into the e-mail field, approves nothing
        await settle(pilot)
        assert len(rows(pilot, "#requests-table")) == 2

        app.screen.query_one("#requests-table", DataTable).focus()
        await pilot.press("down")
        await pilot.pause()
        assert {"approve-request", "reject-request"} <= binding_ids(app)
        await pilot.press("a")
        await settle(pilot)
        assert (
            "information", "Approved: invitation sent to jana@example.com."
        ) in notifications(app)
        assert [r[0] for r in rows(pilot, "#requests-table")] == ["Otto Other"]

        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert (
            "information", "Rejected the request from otto@example.com; they will be told."
        ) in notifications(app)
        assert str(app.screen.query_one("#requests-empty", Static).render()) == (
            "No requests waiting."
        )
    with db.unit_of_work() as uow:
        decided = dict(uow.session.execute(select(DoctorRequest.email, DoctorRequest.status)).all())
        mails = set(uow.session.execute(select(EmailOutbox.to_address, EmailOutbox.kind)).all())
    assert decided == {"jana@example.com": "approved", "otto@example.com": "rejected"}
    assert mails == {
        ("jana@example.com", "doctor_invite"), ("otto@example.com", "doctor_request_rejected")
    }


async def test_accept_invite_refusals_stay_on_the_form(settings: Settings, db: Database) -> None:
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        await fill(pilot, "#token", "dbi_made-up")
        await fill(pilot, "#password", PASSWORD)
        await fill(pilot, "#confirm", PASSWORD + "x")
        await pilot.press("enter")
        await settle(pilot)
        assert ("error", "The two passwords do not match.") in notifications(app)
        await fill(pilot, "#confirm", PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AcceptInviteScreen)
        assert (
            "error", "This invite token is not valid; check the e-mail you got"
        ) in notifications(app)
        assert app.user is None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


async def test_each_role_gets_only_its_own_keys(settings: Settings, db: Database) -> None:
    """RBAC in the TUI: the admin screens' keys exist only on the admin's home."""
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology")
    make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                specialty_names=("Cardiology",))
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    expected = {
        "pat@example.com": (PatientHomeScreen, {"search"}),
        "rita@example.com": (StaffHomeScreen, {"search"}),
        "henry@example.com": (DoctorHomeScreen, {"search", "profile"}),
        "ada@clinic.example": (AdminHomeScreen, {"search", *ADMIN_KEYS}),
    }
    for email, (home, keys) in expected.items():
        store = logged_in_store(db, email, PASSWORD)
        app = make_app(settings=settings, db=db, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert type(app.screen) is home
            offered = binding_ids(app) & {"search", "profile", *ADMIN_KEYS}
            assert offered == keys, email
            if email == "pat@example.com":
                for key in ("c", "j", "p"):  # nothing behind the admin's and doctor's keys
                    await pilot.press(key)
                    await pilot.pause()
                    assert type(app.screen) is PatientHomeScreen
