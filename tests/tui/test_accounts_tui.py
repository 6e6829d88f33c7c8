"""Issue 11 in the TUI, on the real database: the admin's Staff screen (invite, resend, disable
with a reason, enable), Forgot password / I have a code on the login form of the desk and of
the kiosk (a reset's code, and the activation code of a patient the desk created), changing
one's password from every home screen, the desk sending the activation e-mail again, hostile
text on the Staff screen, and snapshots of the Staff screen and of the add-staff dialog."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import text
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from doctorbook.core.accounts import accounts, auth
from doctorbook.core.accounts.session_store import MemoryStore
from doctorbook.core.base.db import Database
from doctorbook.core.base.errors import AuthenticationError, PolicyViolation
from doctorbook.core.base.models import EmailOutbox, User
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.mail import admin as outbox_admin
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.add_staff import AddStaffDialog
from doctorbook.tui.dialogs.change_password import ChangePasswordDialog
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.new_patient import NewPatientDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.screens.accept_invite import AcceptInviteScreen
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from doctorbook.tui.screens.forgot_password import ForgotPasswordScreen
from doctorbook.tui.screens.help import HelpScreen
from doctorbook.tui.screens.home import HomeScreen
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_appointments import PatientAppointmentsScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from doctorbook.tui.screens.set_password import SetPasswordScreen
from doctorbook.tui.screens.staff import StaffScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from doctorbook.tui.widgets.plain import Static
from tests.conftest import PASSWORD, make_user
from tests.hostile import ESC, has_control
from tests.tui.conftest import (
    account_for,
    app_for,
    binding_ids,
    fill,
    logged_in_store,
    make_admin,
    no_crash,
    notifications,
    password_works,
    row_values,
    said,
    settle,
    steady_cursors,
    text_of,
)

SIZE = (80, 24)
WIDE = (120, 36)
SnapCompare = Callable[..., bool]
ADMIN = "ada@clinic.example"
DESK = "rita@clinic.example"
PAT = "pat@example.com"
NEW_PASSWORD = "a brand new passphrase"
CODE_RE = re.compile(r"\b(db[ipv]_[A-Za-z0-9_-]+)")
pytestmark = pytest.mark.usefixtures("utc")


# --- helpers -------------------------------------------------------------------------------------


def mail_code(db: Database, to: str, kind: str) -> str:
    """The code in the newest e-mail of `kind` to `to`, found through the outbox listing."""
    with db.unit_of_work() as uow:
        admin = uow.session.query(User).filter(User.role == "admin").first()
        assert admin is not None, "the outbox is an admin's to list"
        actor = Actor(admin.id, Role.ADMIN, admin.email)
        listed = [m for m in outbox_admin.list_messages(uow, actor=actor)
                  if m.to == to and m.kind == kind]
        assert listed, f"no {kind} e-mail to {to}"
        row = uow.session.get(EmailOutbox, listed[0].id)
        assert row is not None
        match = CODE_RE.search(row.text_body)
        assert match, row.text_body
        return match.group(1)


def mails(db: Database, to: str, kind: str) -> int:
    with db.unit_of_work() as uow:
        return uow.session.query(EmailOutbox).filter(
            EmailOutbox.to_address == to, EmailOutbox.kind == kind).count()


def session_alive(db: Database, store: MemoryStore) -> bool:
    stored = store.load()
    assert stored is not None
    try:
        with db.unit_of_work() as uow:
            auth.authenticate(uow, access_token=stored.access_token)
    except AuthenticationError:
        return False
    return True


async def paste(pilot: Pilot[None], selector: str, pasted_text: str) -> None:
    """Paste into a field as the terminal driver delivers it (to the app, then the field)."""
    app = pilot.app
    app.screen.query_one(selector, Input).focus()
    await pilot.pause()
    pasted = events.Paste(pasted_text)
    pasted.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(pasted)
    await pilot.pause()


async def log_in(pilot: Pilot[None], email: str, password: str = PASSWORD) -> None:
    await fill(pilot, "#email", email)
    await fill(pilot, "#password", password)
    await pilot.press("enter")
    await settle(pilot)


def staff_rows(app: DoctorbookApp) -> list[list[str]]:
    table: DataTable[object] = app.screen.query_one("#staff-table", DataTable)
    return [[str(cell) for cell in row_values(table, i)] for i in range(table.row_count)]


async def open_staff(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, AdminHomeScreen)
    await pilot.press("t")
    await settle(pilot)
    assert isinstance(pilot.app.screen, StaffScreen)


async def cursor_to(pilot: Pilot[None], email: str) -> None:
    app = pilot.app
    table: DataTable[object] = app.screen.query_one("#staff-table", DataTable)
    emails = [row[1] for row in staff_rows(app)]
    table.move_cursor(row=emails.index(email))
    await pilot.pause()


async def add_staff(pilot: Pilot[None], name: str, email: str, role: Role | None = None) -> None:
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AddStaffDialog)
    if role is not None:
        pilot.app.screen.query_one("#staff-role", Select).value = role
    await fill(pilot, "#staff-name", name)
    await fill(pilot, "#staff-email", email)
    await pilot.press("enter")
    await settle(pilot)


async def disable(pilot: Pilot[None], email: str, reason: str) -> None:
    await cursor_to(pilot, email)
    await pilot.press("x")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TextPrompt)
    await fill(pilot, "#prompt-value", reason)
    await pilot.press("enter")
    await settle(pilot)


# --- the Staff screen ----------------------------------------------------------------------------


async def test_admin_invites_a_receptionist_who_joins_is_disabled_and_enabled(
    settings: Settings, db: Database
) -> None:
    make_admin(db, ADMIN, "Ada Admin")
    admin_app = app_for(settings, db, ADMIN)
    desk_app = make_app(settings=settings, db=db, store=None)
    async with admin_app.run_test(size=SIZE) as admin, desk_app.run_test(size=SIZE) as desk:
        await open_staff(admin)
        assert staff_rows(admin_app) == [
            ["Ada Admin", ADMIN, "admin", "active", "—"],
        ]

        # Add: the dialog checks the address first, and keeps what was typed.
        await add_staff(admin, "Rita Desk", "rita@")
        dialog = admin_app.screen
        assert isinstance(dialog, AddStaffDialog)
        assert "Not a valid e-mail address" in text_of(admin_app, "#add-staff-error")
        assert dialog.query_one("#staff-name", Input).value == "Rita Desk"
        await fill(admin, "#staff-email", DESK)
        await admin.press("enter")
        await settle(admin)
        assert isinstance(admin_app.screen, StaffScreen)
        assert said(admin_app, f"Invited Rita Desk as receptionist: the invitation is on its "
                               f"way to {DESK}.")
        assert staff_rows(admin_app)[1][:4] == ["Rita Desk", DESK, "receptionist", "invited"]
        # At 80 columns the note is cut short in the table, and whole under it.
        assert staff_rows(admin_app)[1][4].startswith("invitation expires")

        # Resending replaces the code: only the newest one works.
        first = mail_code(db, DESK, "staff_invite")
        await cursor_to(admin, DESK)
        assert text_of(admin_app, "#staff-detail").endswith(
            "invited: invitation expires Fri 27 Nov 09:00")
        await admin.press("i")
        await settle(admin)
        assert said(admin_app, f"Invitation sent again to Rita Desk <{DESK}>.")
        token = mail_code(db, DESK, "staff_invite")
        assert token != first and mails(db, DESK, "staff_invite") == 2

        # The receptionist accepts in the desk's app and lands on the desk's home.
        await settle(desk)
        await desk.press("f3")
        await desk.pause()
        assert isinstance(desk_app.screen, AcceptInviteScreen)
        assert "doctor" not in str(desk_app.screen.query_one(".form-title", Static).render())
        await paste(desk, "#token", token)
        await fill(desk, "#password", PASSWORD)
        await fill(desk, "#confirm", PASSWORD)
        await desk.press("enter")
        await settle(desk)
        assert isinstance(desk_app.screen, StaffHomeScreen)
        assert desk_app.user is not None and desk_app.user.role is Role.RECEPTIONIST
        assert desk_app.screen.heading == "Front desk · today's arrivals"

        # The admin disables her, with a reason (an empty one is asked for again).
        await admin.press("f5")
        await settle(admin)
        assert staff_rows(admin_app)[1][3] == "active"
        await cursor_to(admin, DESK)
        assert "enable-staff" in binding_ids(admin_app)
        await admin.press("x")
        await admin.pause()
        assert isinstance(admin_app.screen, TextPrompt)
        await admin.press("enter")
        await settle(admin)
        assert isinstance(admin_app.screen, TextPrompt)
        assert said(admin_app, "Say why you disable the account")
        await disable_here(admin, "left the clinic")
        assert said(admin_app, "Rita Desk is disabled: their logins ended.")
        assert staff_rows(admin_app)[1][3:] == ["disabled", "left the clinic"]
        assert "Rita Desk <rita@clinic.example> · receptionist · disabled: left the clinic" in (
            text_of(admin_app, "#staff-detail"))

        # Her open app is refused at its next action: back to the login form.
        await desk.press("r")
        await settle(desk)
        assert isinstance(desk_app.screen, LoginScreen)
        assert desk_app.user is None
        await log_in(desk, DESK)
        assert isinstance(desk_app.screen, LoginScreen)

        # Enabled again, she logs in.
        await admin.press("e")
        await admin.pause()
        assert isinstance(admin_app.screen, ConfirmDialog)
        await admin.press("y")
        await settle(admin)
        assert said(admin_app, "Rita Desk is enabled: they can log in again.")
        assert staff_rows(admin_app)[1][3:] == ["active", "—"]
        await log_in(desk, DESK)
        assert isinstance(desk_app.screen, StaffHomeScreen)

        no_crash(admin_app)
        no_crash(desk_app)


async def disable_here(pilot: Pilot[None], reason: str) -> None:
    """Answer the open reason prompt."""
    assert isinstance(pilot.app.screen, TextPrompt)
    await fill(pilot, "#prompt-value", reason)
    await pilot.press("enter")
    await settle(pilot)


async def test_disabling_an_admin_and_the_refusals_are_notifications(
    settings: Settings, db: Database
) -> None:
    make_admin(db, ADMIN, "Ada Admin")
    make_admin(db, "bob@clinic.example", "Bob Admin")
    app = app_for(settings, db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await open_staff(pilot)
        # Another admin can be disabled while Ada stays active...
        await disable(pilot, "bob@clinic.example", "on leave")
        assert said(app, "Bob Admin is disabled")
        # ...but not the admin herself, the last active one: refused, nothing changes.
        await disable(pilot, ADMIN, "testing")
        assert isinstance(app.screen, StaffScreen)
        assert (
            "error", "Could not disable Ada Admin: you cannot disable your own account."
        ) in notifications(app)
        assert [row[3] for row in staff_rows(app)] == ["active", "disabled"]
        # Enabling is offered on the disabled row only, resending on invitations only.
        await cursor_to(pilot, "bob@clinic.example")
        assert app.screen.check_action("enable", ()) is True
        assert app.screen.check_action("disable", ()) is None
        assert app.screen.check_action("resend", ()) is None
        # Inviting an address that has an account: core's refusal, in the dialog again.
        await add_staff(pilot, "Bob Again", "bob@clinic.example", Role.ADMIN)
        dialog = app.screen
        assert isinstance(dialog, AddStaffDialog)
        assert text_of(app, "#add-staff-error") == (
            "bob@clinic.example already has a doctorbook account.")
        assert dialog.query_one("#staff-name", Input).value == "Bob Again"
        assert dialog.query_one("#staff-role", Select).value == Role.ADMIN
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)
        no_crash(app)
    with db.unit_of_work() as uow:
        assert [u.is_active for u in uow.session.query(User).order_by(User.id)] == [True, False]


async def test_the_staff_key_is_listed_in_help_and_keeps_the_footer(
    settings: Settings, db: Database
) -> None:
    from textual.widgets._footer import FooterKey

    make_admin(db, ADMIN, "Ada Admin")
    app = app_for(settings, db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert {"staff", "change-password"} <= binding_ids(app)
        shown = [key.key for key in app.screen.query(FooterKey)]
        assert shown == ["c", "j", "o", "a", "ctrl+q", "ctrl+l", "f1"]  # as before the t key
        assert next(k for k in app.screen.query(FooterKey) if k.key == "f1").region.right <= 80
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert keys["t"] == "Staff"
        assert keys["^w"] == "Change password"


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.DOCTOR, Role.PATIENT])
async def test_other_roles_never_get_the_staff_screen(
    settings: Settings, db: Database, role: Role
) -> None:
    make_admin(db, ADMIN, "Ada Admin")
    with db.unit_of_work() as uow:
        make_user(uow, email="someone@example.com", name="Some One", role=role)
    app = app_for(settings, db, "someone@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "staff" not in binding_ids(app)
        await pilot.press("t")
        await settle(pilot)
        assert not any(isinstance(s, StaffScreen) for s in app.screen_stack)


# --- hostile text --------------------------------------------------------------------------------

MARKUP_NAME = "[bold]x[/] Desk"
LINK_NAME = "[link=file:///etc/passwd]click[/link]"
LONG_NAME = "Bartholomew " + "W" * 188  # 200 characters, the most core (and the column) takes
LONG_TYPED = "Bartholomew " + "W" * 288  # 300: refused in the add dialog
LONG_REASON = "Reason " + "R" * 293  # 300 characters
ESC_NAME = f"Mal{ESC}[2Jlory {ESC}]52;c;cm0gLXJmIH4=\x07Evil"
MARKUP_REASON = "[@click=app.quit]quit[/] rash [/]"
ESC_REASON = f"gone{ESC}[31m red{ESC}[0m\u202e"


def drawn(app: DoctorbookApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def no_control_drawn(app: DoctorbookApp) -> None:
    for line in drawn(app):
        assert ESC not in line and not has_control(line), repr(line)


async def test_hostile_names_and_reasons_show_literally(
    settings: Settings, db: Database
) -> None:
    admin = make_admin(db, ADMIN, "Ada Admin")
    with db.unit_of_work() as uow:
        accounts.invite_staff(uow, actor=admin, email="link@clinic.example", name=LINK_NAME,
                              role=Role.RECEPTIONIST)
    for email, name in (("markup@clinic.example", MARKUP_NAME),
                        ("long@clinic.example", LONG_NAME), ("esc@clinic.example", "Esc"),
                        ("longer@clinic.example", "Lou Long-Reason")):
        with db.unit_of_work() as uow:
            make_user(uow, email=email, name=name, role=Role.RECEPTIONIST)
    with db.unit_of_work() as uow:
        accounts.set_staff_active(uow, actor=admin, ref="markup@clinic.example", active=False,
                                  reason="[red]boom[/]")
    with db.unit_of_work() as uow:
        accounts.set_staff_active(uow, actor=admin, ref="longer@clinic.example", active=False,
                                  reason=LONG_REASON)
    # Stored before core refused control characters: straight into the table.
    with db.unit_of_work() as uow:
        uow.session.execute(text("UPDATE users SET name = :n WHERE email = :e"),
                            {"n": ESC_NAME, "e": "esc@clinic.example"})
        uow.session.execute(text("UPDATE users SET is_active = false, disabled_reason = :r "
                                 "WHERE email = 'esc@clinic.example'"), {"r": ESC_REASON})
        uow.commit()

    app = app_for(settings, db, ADMIN)
    async with app.run_test(size=WIDE) as pilot:
        await open_staff(pilot)
        rows = {row[1]: row for row in staff_rows(app)}
        assert rows["markup@clinic.example"][0] == MARKUP_NAME
        assert rows["markup@clinic.example"][4] == "[red]boom[/]"
        assert rows["link@clinic.example"][0] == LINK_NAME[:21] + "…"
        assert rows["long@clinic.example"][0] == "Bartholomew WWWWWWWWW…"
        assert rows["longer@clinic.example"][4] == LONG_REASON[:39] + "…"
        screen = "\n".join(drawn(app))
        assert MARKUP_NAME in screen and "[red]boom[/]" in screen
        no_control_drawn(app)
        for email in rows:
            await cursor_to(pilot, email)
            no_control_drawn(app)
        await cursor_to(pilot, "link@clinic.example")
        assert LINK_NAME in text_of(app, "#staff-detail")
        await cursor_to(pilot, "esc@clinic.example")
        assert "Mal\ufffd[2Jlory" in text_of(app, "#staff-detail")
        await cursor_to(pilot, "longer@clinic.example")
        assert text_of(app, "#staff-detail").endswith(f"disabled: {LONG_REASON}")

        # Typed in the add dialog: markup is a name like any other; 300 characters are refused
        # in the dialog, which keeps them.
        await add_staff(pilot, LONG_TYPED, "bart@clinic.example")
        assert isinstance(app.screen, AddStaffDialog)
        assert "Name is too long (300 characters" in text_of(app, "#add-staff-error")
        assert app.screen.query_one("#staff-name", Input).value == LONG_TYPED
        no_control_drawn(app)
        await fill(pilot, "#staff-name", "[b][i]x[/b] Jana")
        await fill(pilot, "#staff-email", "jana@clinic.example")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)
        assert said(app, "Invited [b][i]x[/b] Jana as receptionist")

        # A reason that is markup is shown as typed, and clicks nothing.
        await disable(pilot, "long@clinic.example", MARKUP_REASON)
        assert app.is_running
        rows = {row[1]: row for row in staff_rows(app)}
        assert rows["long@clinic.example"][3:] == ["disabled", MARKUP_REASON]
        assert MARKUP_REASON in "\n".join(drawn(app))
        no_control_drawn(app)
        no_crash(app)


# --- Forgot password / I have a code -------------------------------------------------------------


async def test_forgot_password_then_a_code_sets_a_new_one_and_ends_every_login(
    settings: Settings, db: Database
) -> None:
    make_admin(db, ADMIN, "Ada Admin")
    with db.unit_of_work() as uow:
        make_user(uow, email=PAT, name="Pat Patient")
    earlier = logged_in_store(db, PAT, PASSWORD)  # a login kept by the CLI, say
    other_app = make_app(settings=settings, db=db, store=logged_in_store(db, PAT, PASSWORD))
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot, other_app.run_test(size=SIZE) as other:
        await settle(other)
        assert isinstance(other_app.screen, PatientHomeScreen)
        await settle(pilot)
        await fill(pilot, "#email", PAT)
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ForgotPasswordScreen)
        assert app.screen.query_one("#forgot-email", Input).value == PAT  # what was typed
        await pilot.press("enter")
        await settle(pilot)
        answer = text_of(app, "#forgot-answer")
        assert answer.startswith("If an account uses that address, a reset e-mail is on its way")
        # The same answer for an address nobody uses.
        await fill(pilot, "#forgot-email", "nobody@example.com")
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#forgot-answer") == answer
        assert mails(db, "nobody@example.com", "password_reset") == 0
        # Something that is no address: core's refusal is said in the form, nowhere else.
        await fill(pilot, "#forgot-email", "no address")
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#forgot-answer") == "Not a valid e-mail address: 'no address'."
        assert app.screen.query_one("#forgot-answer").has_class("-error")
        assert not [n for n in notifications(app) if n[0] == "error"]

        code = mail_code(db, PAT, "password_reset")
        assert code.startswith("dbp_")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SetPasswordScreen)
        # A wrong code is refused in the form.
        await fill(pilot, "#code", "dbp_not-a-real-code")
        await fill(pilot, "#password", NEW_PASSWORD)
        await fill(pilot, "#confirm", NEW_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SetPasswordScreen)
        assert text_of(app, "#set-password-error") == (
            "This code is not valid; check the e-mail you got.")
        # The e-mail's whole line pasted: the code in it is used.
        app.screen.query_one("#code", Input).value = ""
        await paste(pilot, "#code", f"    doctorbook password reset {code}\n")
        await fill(pilot, "#confirm", NEW_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert ("information", "Password set; log in with your new password.") in (
            notifications(app))
        assert app.screen.query_one("#email", Input).value == PAT
        for _, message in notifications(app):
            assert code not in message and NEW_PASSWORD not in message

        # Every earlier login ended: the stored one, and the other app at its next action.
        assert not session_alive(db, earlier)
        await other.press("r")
        await settle(other)
        assert isinstance(other_app.screen, LoginScreen)
        # The old password is refused, the new one works; the code works once.
        assert not password_works(db, PAT, PASSWORD)
        await log_in(pilot, PAT, PASSWORD)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, PAT, NEW_PASSWORD)
        assert isinstance(app.screen, PatientHomeScreen)
        with pytest.raises(PolicyViolation, match="already used"), db.unit_of_work() as uow:
            accounts.set_password_with_token(uow, token=code, password="yet another one 1")
        no_crash(app)


async def test_the_desk_creates_a_patient_who_sets_a_password_at_the_kiosk(
    settings: Settings, db: Database
) -> None:
    make_admin(db, ADMIN, "Ada Admin")
    with db.unit_of_work() as uow:
        make_user(uow, email=DESK, name="Rita Desk", role=Role.RECEPTIONIST)
    desk_app = app_for(settings, db, DESK)
    kiosk_app = make_app(settings=settings, db=db, store=None, kiosk=True)
    async with desk_app.run_test(size=SIZE) as desk, kiosk_app.run_test(size=SIZE) as kiosk:
        await settle(desk)
        await desk.press("p")
        await settle(desk)
        assert isinstance(desk_app.screen, PatientLookupScreen)
        await desk.press("ctrl+n")
        await desk.pause()
        assert isinstance(desk_app.screen, NewPatientDialog)
        await fill(desk, "#patient-name", "Nina New")
        await fill(desk, "#patient-email", "nina@example.com")
        await fill(desk, "#patient-phone", "")
        await fill(desk, "#patient-born", "")  # Enter in the last field creates
        await desk.press("enter")
        await settle(desk)
        assert isinstance(desk_app.screen, PatientAppointmentsScreen)  # hers: none yet
        assert said(desk_app, "They get an e-mail to set their password.")
        assert mails(db, "nina@example.com", "account_activation") == 1
        first = mail_code(db, "nina@example.com", "account_activation")

        # The desk sends it again from the lookup: a new code replaces the first.
        await desk.press("escape")
        await settle(desk)
        await desk.press("p")
        await settle(desk)
        assert "send-activation" not in binding_ids(desk_app)  # typing in the search field
        await desk.press("down")
        await desk.pause()
        assert "send-activation" in binding_ids(desk_app)
        await desk.press("a")
        await settle(desk)
        assert said(desk_app, "Activation e-mail sent to Nina New <nina@example.com>")
        code = mail_code(db, "nina@example.com", "account_activation")
        assert code.startswith("dbv_") and code != first

        # At the kiosk: Forgot password? then I have a code.
        await settle(kiosk)
        await kiosk.click("#forgot")
        await kiosk.pause()
        assert isinstance(kiosk_app.screen, ForgotPasswordScreen)
        await kiosk.click("#have-code")
        await kiosk.pause()
        assert isinstance(kiosk_app.screen, SetPasswordScreen)
        await paste(kiosk, "#code", first)
        await fill(kiosk, "#password", NEW_PASSWORD)
        await fill(kiosk, "#confirm", NEW_PASSWORD)
        await kiosk.press("enter")
        await settle(kiosk)
        assert text_of(kiosk_app, "#set-password-error").startswith(
            "This code was replaced by a newer one")
        kiosk_app.screen.query_one("#code", Input).value = ""
        await paste(kiosk, "#code", code)
        await kiosk.press("enter")  # in the code field: on to the password
        await fill(kiosk, "#confirm", NEW_PASSWORD)
        await kiosk.press("enter")
        await settle(kiosk)
        assert isinstance(kiosk_app.screen, LoginScreen)
        assert said(kiosk_app, "Password set; log in with your new password.")
        await fill(kiosk, "#password", NEW_PASSWORD)
        await kiosk.press("enter")
        await settle(kiosk)
        assert isinstance(kiosk_app.screen, PatientHomeScreen)
        assert kiosk_app.user is not None and kiosk_app.user.email == "nina@example.com"
        assert "change-password" in binding_ids(kiosk_app)

        # She has a password now: the desk's resend is refused, and says why.
        await desk.press("a")
        await settle(desk)
        assert said(desk_app, "No activation e-mail sent to Nina New: nina@example.com "
                              "already has a password")
        assert mails(db, "nina@example.com", "account_activation") == 2
        no_crash(desk_app)
        no_crash(kiosk_app)


# --- changing one's password ---------------------------------------------------------------------


async def change_password(pilot: Pilot[None], current: str, new: str) -> None:
    if not isinstance(pilot.app.screen, ChangePasswordDialog):
        await pilot.press("ctrl+w")
        await pilot.pause()
    assert isinstance(pilot.app.screen, ChangePasswordDialog)
    await fill(pilot, "#current-password", current)
    await fill(pilot, "#new-password", new)
    await fill(pilot, "#confirm-password", new)
    await pilot.press("enter")
    await settle(pilot)


async def test_change_password_ends_the_other_logins_and_keeps_this_one(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email=PAT, name="Pat Patient")
    other = logged_in_store(db, PAT, PASSWORD)
    store = logged_in_store(db, PAT, PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        # A wrong current password: said in the dialog, which stays; nobody is logged out.
        await change_password(pilot, "not my password", NEW_PASSWORD)
        dialog = app.screen
        assert isinstance(dialog, ChangePasswordDialog)
        assert text_of(app, "#change-password-error") == "The current password is wrong."
        assert dialog.query_one("#current-password", Input).value == ""
        assert app.user is not None and session_alive(db, store) and session_alive(db, other)
        # The confirmation must match.
        await fill(pilot, "#current-password", PASSWORD)
        await fill(pilot, "#new-password", NEW_PASSWORD)
        await fill(pilot, "#confirm-password", NEW_PASSWORD + "x")
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#change-password-error") == "The two new passwords do not match."
        # Then it works.
        await change_password(pilot, PASSWORD, NEW_PASSWORD)
        assert isinstance(app.screen, PatientHomeScreen)
        assert ("information", "Password changed. 1 other login ended.") in notifications(app)
        for _, message in notifications(app):
            assert NEW_PASSWORD not in message and PASSWORD not in message
        assert session_alive(db, store) and not session_alive(db, other)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert not password_works(db, PAT, PASSWORD)
        assert password_works(db, PAT, NEW_PASSWORD)
        # Escape changes nothing.
        await pilot.press("ctrl+w")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PatientHomeScreen)
        no_crash(app)


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.DOCTOR, Role.ADMIN, Role.PATIENT])
async def test_every_home_offers_change_password(
    settings: Settings, db: Database, role: Role
) -> None:
    email = account_for(db, role)
    app = app_for(settings, db, email)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        if role is Role.DOCTOR:
            assert isinstance(app.screen, DoctorHomeScreen)
        assert "change-password" in binding_ids(app)
        await change_password(pilot, PASSWORD, NEW_PASSWORD)
        assert isinstance(app.screen, HomeScreen)
        assert said(app, "Password changed.")
        assert password_works(db, email, NEW_PASSWORD)


# --- snapshots -----------------------------------------------------------------------------------


def staff_clinic(db: Database) -> None:
    """One active admin, one disabled receptionist, one invitation."""
    admin = make_admin(db, ADMIN, "Ada Admin")
    with db.unit_of_work() as uow:
        make_user(uow, email=DESK, name="Rita Desk", role=Role.RECEPTIONIST)
    with db.unit_of_work() as uow:
        accounts.set_staff_active(uow, actor=admin, ref=DESK, active=False,
                                  reason="left the clinic in October")
    with db.unit_of_work() as uow:
        accounts.invite_staff(uow, actor=admin, email="rex@clinic.example", name="Rex Reception",
                              role=Role.RECEPTIONIST)


@pytest.mark.parametrize("size", [SIZE, WIDE], ids=["80x24", "120x36"])
def test_staff_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, size: tuple[int, int]
) -> None:
    staff_clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_staff(pilot)
        await cursor_to(pilot, DESK)
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, ADMIN), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [SIZE, WIDE], ids=["80x24", "120x36"])
def test_add_staff_dialog_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, size: tuple[int, int]
) -> None:
    staff_clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_staff(pilot)
        await add_staff(pilot, "Sam Second", "sam@")  # refused: the error shows in the dialog
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, ADMIN), terminal_size=size, run_before=run_before)
