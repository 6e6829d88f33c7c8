"""Brief 1b (and the TUI half of 7) in the TUI: an invited doctor accepts the e-mailed token,
completes the required profile fields, and is then publicly visible in search."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Static

from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import search
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.accept_invite import AcceptInviteScreen
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from doctorbook.tui.screens.profile_form import ProfileFormScreen
from doctorbook.tui.widgets.specialty_picker import SpecialtyPicker
from tests.conftest import PASSWORD
from tests.tui.conftest import add_specialties, fill, invite, make_admin, notifications, settle

SIZE = (80, 24)


def text_of(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


async def test_doctor_accepts_invite_completes_profile_and_becomes_visible(
    settings: Settings, db: Database
) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", "Dermatology")
    token = invite(db, admin, "henry@example.com", "Henry Heart", ("Cardiology",))
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, AcceptInviteScreen)
        await fill(pilot, "#token", token)
        await fill(pilot, "#password", PASSWORD)
        await fill(pilot, "#confirm", PASSWORD)
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, DoctorHomeScreen)
        assert app.screen.sub_title == "Henry Heart · Doctor"
        assert (
            "information",
            "Welcome, Dr Henry Heart: your account is ready. Complete your profile.",
        ) in notifications(app)

        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ProfileFormScreen)
        assert text_of(pilot, "#profile-status") == (
            "Not yet visible to patients; missing: clinic, city, timezone, price."
        )
        assert str(app.screen.query_one("#price-label", Static).render()) == "Price (EUR)"
        picker = app.screen.query_one(SpecialtyPicker)
        assert picker.names == ("Cardiology",)  # from the invite

        await fill(pilot, "#clinic_name", "Heart Clinic")
        await fill(pilot, "#city", "Berlin")
        await fill(pilot, "#timezone", "Europe/Berlin")
        await fill(pilot, "#price", "95.5")
        picker.focus()
        await pilot.press("down", "space")  # tick Dermatology too
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (
            "information", "Profile saved. Your profile is visible to patients."
        ) in notifications(app)
        assert text_of(pilot, "#profile-status") == "Your profile is visible to patients."
        assert app.screen.query_one("#price", Input).value == "95.50"
    with db.unit_of_work() as uow:
        [found] = search.search(uow, specialty="Dermatology")
    assert found.name == "Henry Heart"
    assert found.specialties == ("Cardiology", "Dermatology")
    assert (found.clinic, found.city, str(found.price)) == ("Heart Clinic", "Berlin", "95.50")
