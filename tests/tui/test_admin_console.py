"""The admin console on the real database: the outbox (counts, failed e-mails, retry) and the
audit log browser (filters, details); who gets their keys; snapshots at 80x24 and 120x36."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from doctorbook.core.base.db import Database
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.mail.message import BODY_REMOVED_FAILED
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.detail import DetailDialog
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.audit_log import EMPTY, HINT, AuditLogScreen
from doctorbook.tui.screens.outbox import OutboxScreen
from tests.conftest import NOW, PASSWORD, make_user
from tests.mail.conftest import queue
from tests.search.conftest import add_slot, make_visible_doctor
from tests.tui.conftest import (
    binding_ids,
    fill,
    logged_in_store,
    make_admin,
    notifications,
    row_values,
    settle,
    steady_cursors,
)

SIZE = (80, 24)
WIDE = (120, 36)
ADMIN = "ada@clinic.example"
SnapCompare = Callable[..., bool]
SMTP_ERROR = (
    "SMTP 550 5.1.1 <olga@example.org>: Recipient address rejected: User unknown in virtual "
    "mailbox table (the receiving server said so on the third try; it will not change)"
)
HTTP_ERROR = "HTTP 400 BAD REQUEST: {\"error\": \"invalid recipient\"}"


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times shown in the terminal's local zone come out the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def admin_app(settings: Settings, db: Database, email: str = ADMIN) -> DoctorbookApp:
    return make_app(settings=settings, db=db, store=logged_in_store(db, email, PASSWORD))


def rows(pilot: Pilot[None], selector: str) -> list[list[object]]:
    table: DataTable[object] = pilot.app.screen.query_one(selector, DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


def text_of(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


# --- the outbox ------------------------------------------------------------------------------


def mail(
    db: Database, *, to: str, name: str, kind: str, subject: str, status: str,
    attempts: int = 0, error: str | None = None, minutes: int = 0, secret: bool = False,
) -> int:
    """One e-mail queued through core, then put in `status` as the dispatcher would leave it."""
    [oid] = queue(db, to=to, to_name=name, kind=kind,
                  context={"subject": subject, "body": "Hello."}, contains_secret=secret)
    with db.unit_of_work() as uow:
        row = uow.session.get(EmailOutbox, oid)
        assert row is not None
        row.status, row.attempts, row.last_error = status, attempts, error
        row.next_attempt_at = NOW + timedelta(minutes=minutes)
        if status in ("failed", "sent"):
            row.max_attempts = 5
        if status == "sent":
            row.sent_at = NOW - timedelta(minutes=minutes)
            row.provider_message_id = f"msg-{oid}"
        if secret and status == "failed":
            row.text_body = BODY_REMOVED_FAILED
        uow.commit()
    return oid


@dataclass(frozen=True)
class Outbox:
    sent: int
    failed_smtp: int
    failed_http: int
    pending: int
    cancelled: int


def busy_outbox(db: Database) -> Outbox:
    """An admin, and an outbox with e-mails in every status but sending; two failed."""
    make_admin(db)
    sent = mail(db, to="alice@example.com", name="Alice Patient", kind="appointment_booked",
                subject="Your visit with Dr Gregory House on Wed 25 Nov at 10:00",
                status="sent", attempts=1, minutes=45)
    failed_smtp = mail(db, to="olga@example.org", name="Olga Old", kind="appointment_booked",
                       subject="Your visit with Dr James Wilson on Fri 27 Nov at 10:00",
                       status="failed", attempts=5, error=SMTP_ERROR)
    cancelled = mail(db, to="bob@example.com", name="Bob Patient", kind="reminder_24h",
                     subject="Reminder: your visit tomorrow at 10:00", status="cancelled")
    pending = mail(db, to="carol@example.com", name="Carol Patient", kind="appointment_booked",
                   subject="Your visit with Dr Gregory House on Thu 26 Nov at 11:30",
                   status="pending", attempts=2, error="timed out after 10 s", minutes=10)
    failed_http = mail(db, to="dan@example", name="Dan Typo", kind="doctor_request_rejected",
                       subject="Your request to join doctorbook", status="failed", attempts=5,
                       error=HTTP_ERROR)
    return Outbox(sent, failed_smtp, failed_http, pending, cancelled)


def stored(db: Database, oid: int) -> tuple[str, int]:
    with db.unit_of_work() as uow:
        row = uow.session.get(EmailOutbox, oid)
        assert row is not None
        return row.status, row.attempts


async def open_outbox(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, AdminHomeScreen)
    assert {"outbox", "audit-log"} <= binding_ids(pilot.app)
    await pilot.press("o")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OutboxScreen)


def ids_listed(pilot: Pilot[None]) -> list[object]:
    return [row[0] for row in rows(pilot, "#outbox-table")]


async def test_admin_sees_counts_and_failed_emails_and_retries_one(
    settings: Settings, db: Database
) -> None:
    box = busy_outbox(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_outbox(pilot)
        assert text_of(pilot, "#outbox-counts") == (
            "Outbox · Pending 1 · Sending 0 · Sent 1 · Failed 2 · Cancelled 1"
        )
        # Every e-mail, pending ones too, newest first; "Failed" is one choice away.
        select: Select[str] = app.screen.query_one("#outbox-status", Select)
        assert select.value == "all"
        assert ids_listed(pilot) == [str(i) for i in (
            box.failed_http, box.pending, box.cancelled, box.failed_smtp, box.sent)]
        select.value = "failed"
        await settle(pilot)
        listed = rows(pilot, "#outbox-table")
        assert [row[0] for row in listed] == [str(box.failed_http), str(box.failed_smtp)]
        # The short columns whole; recipient, subject and error cut to fit 80 columns...
        assert listed[0][1:3] == ["failed", "5/5"]
        assert listed[0][6] == "—"
        assert all(str(cell).endswith("…") for cell in listed[1][3:6])
        assert str(listed[1][5]).startswith("SMTP")
        # ... and whole under the table, for the highlighted one.
        assert text_of(pilot, "#outbox-detail") == (
            f"Dan Typo <dan@example> · doctor_request_rejected · Your request to join "
            f"doctorbook · {HTTP_ERROR}")
        assert app.screen.focused is app.screen.query_one("#outbox-table")
        assert "retry-email" in binding_ids(app)

        # Enter: the whole message, the last error in full.
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailDialog)
        assert text_of(pilot, "#detail-text") == SMTP_ERROR
        assert app.screen.detail_title == f"E-mail {box.failed_smtp}"
        assert ("To", "Olga Old <olga@example.org>") in app.screen.facts
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OutboxScreen)

        # r asks first; Cancel (the focus) keeps it failed.
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert stored(db, box.failed_smtp) == ("failed", 5)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)
        assert stored(db, box.failed_smtp) == ("pending", 0)
        assert (
            "information", f"E-mail {box.failed_smtp} to olga@example.org is back in the queue."
        ) in notifications(app)
        # No longer failed: off this list, and counted as pending.
        assert ids_listed(pilot) == [str(box.failed_http)]
        assert "Pending 2" in text_of(pilot, "#outbox-counts")
        assert "Failed 1" in text_of(pilot, "#outbox-counts")


async def test_the_status_filter_and_refresh(settings: Settings, db: Database) -> None:
    box = busy_outbox(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_outbox(pilot)
        select: Select[str] = app.screen.query_one("#outbox-status", Select)
        select.value = "all"
        await settle(pilot)
        assert ids_listed(pilot) == [str(i) for i in (
            box.failed_http, box.pending, box.cancelled, box.failed_smtp, box.sent)]
        by_id = {row[0]: row for row in rows(pilot, "#outbox-table")}
        assert by_id[str(box.sent)][1:3] == ["sent", "1/5"]
        assert by_id[str(box.sent)][5:] == ["—", "Tue 24 Nov 08:15"]
        assert by_id[str(box.pending)][1:3] == ["pending", "2"]
        assert by_id[str(box.pending)][6] == "Tue 24 Nov 09:10"
        # The times' zone is in the heading.
        table: DataTable[object] = app.screen.query_one("#outbox-table", DataTable)
        assert str(list(table.columns.values())[-1].label) == "Next / sent (UTC)"
        # Retry is for failed e-mails: on a pending one it is greyed out and does nothing.
        await pilot.press("down")
        assert app.screen.check_action("retry", ()) is None
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, OutboxScreen)

        select.value = "sending"
        await settle(pilot)
        assert not app.screen.query_one("#outbox-table", DataTable).display
        assert text_of(pilot, "#outbox-empty") == "No sending e-mails."
        assert "retry-email" not in binding_ids(app)

        select.value = "sent"
        await settle(pilot)
        assert ids_listed(pilot) == [str(box.sent)]
        # Another one goes out meanwhile: f5 reads the outbox again.
        later = mail(db, to="erin@example.com", name="Erin", kind="appointment_booked",
                     subject="Booked", status="sent", attempts=1)
        await pilot.press("f5")
        await settle(pilot)
        assert ids_listed(pilot) == [str(later), str(box.sent)]
        assert "Sent 2" in text_of(pilot, "#outbox-counts")


async def test_a_refused_retry_is_an_error_and_the_list_is_read_again(
    settings: Settings, db: Database
) -> None:
    make_admin(db)
    secret = mail(db, to="henry@example.com", name="Henry Heart", kind="doctor_invite",
                  subject="You are invited to doctorbook", status="failed", attempts=5,
                  error="HTTP 503", secret=True)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_outbox(pilot)
        assert ids_listed(pilot) == [str(secret)]
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)
        assert (
            "error",
            f"E-mail {secret} carried a one-time token that was erased when it failed; issue a "
            "new one (for an invite: invite the doctor again)",
        ) in notifications(app)
        assert stored(db, secret) == ("failed", 5)
        assert ids_listed(pilot) == [str(secret)]


# --- the audit log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bookings:
    alice_visit: int
    bob_visit: int
    alice_id: int
    bob_id: int


def booked_clinic(db: Database) -> Bookings:
    """An admin, a visible doctor, two patients who booked a visit each; Alice cancels hers."""
    admin = make_admin(db)
    with db.unit_of_work() as uow:
        doctor = make_visible_doctor(uow, admin, "house@clinic.example",
                                     name="Dr Gregory House")
        alice = make_user(uow, email="alice@example.com", name="Alice Patient")
        bob = make_user(uow, email="bob@example.com", name="Bob Patient")
        first = add_slot(uow, doctor.user_id, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
        second = add_slot(uow, doctor.user_id, datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    with db.unit_of_work() as uow:
        alice_visit = booking.book(uow, actor=alice, slot_id=first, reason="Chest pain").id
    with db.unit_of_work() as uow:
        bob_visit = booking.book(uow, actor=bob, slot_id=second).id
    with db.unit_of_work() as uow:
        lifecycle.cancel(uow, actor=alice, appointment_id=alice_visit, reason="Feeling better")
    return Bookings(alice_visit, bob_visit, alice.user_id, bob.user_id)


async def open_audit(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, AdminHomeScreen)
    await pilot.press("a")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AuditLogScreen)


async def apply(pilot: Pilot[None], selector: str, text: str) -> None:
    await fill(pilot, selector, text)
    await pilot.press("enter")
    await settle(pilot)


async def test_admin_filters_the_audit_log(settings: Settings, db: Database) -> None:
    visits = booked_clinic(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(pilot)
        everything = rows(pilot, "#audit-table")
        # Newest first: the admin's own login, then Alice cancelling.
        assert everything[0][2] == "login.succeeded"
        # At 80 columns "appointment" is "appt" in the table; the line under it says it whole.
        assert everything[1][2:4] == ["appt.cancelled", f"appt:{visits.alice_visit}"]
        assert len(everything) > 3
        # The filters have the focus: type, Enter, and the results get it.
        assert app.screen.focused is app.screen.query_one("#audit-entity", Input)

        await apply(pilot, "#audit-entity", f"Appointment:{visits.alice_visit}")
        alice = f"#{visits.alice_id} patient"
        assert [row[1:4] for row in rows(pilot, "#audit-table")] == [
            [alice, "appt.cancelled", f"appt:{visits.alice_visit}"],
            [alice, "appt.booked", f"appt:{visits.alice_visit}"],
        ]
        assert rows(pilot, "#audit-table")[0][0] == "2026-11-24 09:00"
        assert text_of(pilot, "#audit-detail") == (
            f"Tue 2026-11-24 09:00 UTC · {alice} · appointment.cancelled · "
            f"appointment:{visits.alice_visit} · from=confirmed to=cancelled by=patient "
            "late=false")
        assert app.screen.focused is app.screen.query_one("#audit-table", DataTable)

        # Enter shows the entry's data whole.
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailDialog)
        assert app.screen.detail_title.startswith("Audit entry ")
        data = text_of(pilot, "#detail-text")
        assert f'"patient_id": {visits.alice_id},' in data
        assert '"to": "confirmed"' in data
        assert ("Entity", f"appointment:{visits.alice_visit}") in app.screen.facts
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AuditLogScreen)

        # / goes back to the filters; now everything Bob did.
        await pilot.press("slash")
        assert app.screen.focused is app.screen.query_one("#audit-entity", Input)
        await fill(pilot, "#audit-entity", "")
        await apply(pilot, "#audit-actor", "BOB@example.com")
        bob_rows = rows(pilot, "#audit-table")
        assert bob_rows and {row[1] for row in bob_rows} == {f"#{visits.bob_id} patient"}
        assert [f"appt:{visits.bob_visit}"] == [
            row[3] for row in bob_rows if row[2] == "appt.booked"]

        # From tomorrow on, nothing yet.
        await apply(pilot, "#audit-since", "2026-11-25")
        assert text_of(pilot, "#audit-empty") == EMPTY
        assert not app.screen.query_one("#audit-table", DataTable).display
        await apply(pilot, "#audit-since", "2026-11-24")
        assert rows(pilot, "#audit-table") == bob_rows


async def test_bad_filters_are_said_and_nothing_is_read(
    settings: Settings, db: Database
) -> None:
    visits = booked_clinic(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(pilot)
        await apply(pilot, "#audit-entity", f"appointment:{visits.bob_visit}")
        shown = rows(pilot, "#audit-table")
        assert text_of(pilot, "#audit-hint") == HINT

        await apply(pilot, "#audit-since", "2026-13-01")
        hint = app.screen.query_one("#audit-hint", Static)
        assert str(hint.render()) == "Since must be a date written YYYY-MM-DD, not '2026-13-01'."
        assert hint.has_class("-error")
        assert app.screen.focused is app.screen.query_one("#audit-since", Input)
        assert rows(pilot, "#audit-table") == shown  # the last good filters still apply
        assert isinstance(app.screen, AuditLogScreen)

        await fill(pilot, "#audit-since", "")
        await apply(pilot, "#audit-entity", "appointment:")
        assert text_of(pilot, "#audit-hint").startswith("Entity must be KIND or KIND:ID")
        assert app.screen.focused is app.screen.query_one("#audit-entity", Input)

        await apply(pilot, "#audit-entity", "appointment")
        assert not hint.has_class("-error")
        assert {row[3] for row in rows(pilot, "#audit-table")} == {
            f"appt:{visits.alice_visit}", f"appt:{visits.bob_visit}"}


# --- who gets the keys ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.DOCTOR, Role.PATIENT])
async def test_other_roles_never_get_the_admin_console(
    settings: Settings, db: Database, role: Role
) -> None:
    make_admin(db)
    with db.unit_of_work() as uow:
        make_user(uow, email="someone@example.com", name="Some One", role=role)
    app = admin_app(settings, db, "someone@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert not isinstance(home, AdminHomeScreen)
        assert not {"outbox", "audit-log"} & binding_ids(app)
        for key in ("o", "a"):
            await pilot.press(key)
            await settle(pilot)
            assert not isinstance(app.screen, OutboxScreen | AuditLogScreen)
        assert not any(isinstance(s, OutboxScreen | AuditLogScreen) for s in app.screen_stack)


async def test_the_admin_key_bar_fits_80_columns(settings: Settings, db: Database) -> None:
    """Help (F1) stays on the key bar with the admin's keys; every key is in the help."""
    make_admin(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from textual.widgets._footer import FooterKey

        shown = {key.key: key for key in app.screen.query(FooterKey)}
        assert "f1" in shown
        assert shown["f1"].region.right <= SIZE[0]
        await pilot.press("f1")
        await pilot.pause()
        helped = [str(row[1]) for row in rows(pilot, "#help-keys")]
        assert {"Outbox", "Audit log", "Specialties", "Joining"} <= set(helped)


# --- snapshots -----------------------------------------------------------------------------


async def open_failed(pilot: Pilot[None]) -> None:
    """The outbox (it opens on every e-mail), showing the failed ones."""
    await open_outbox(pilot)
    pilot.app.screen.query_one("#outbox-status", Select).value = "failed"
    await settle(pilot)


async def ready_outbox(pilot: Pilot[None]) -> None:
    await open_failed(pilot)
    await steady_cursors(pilot)


@pytest.mark.parametrize("size", [SIZE, WIDE], ids=["80x24", "120x36"])
def test_outbox_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, size: tuple[int, int]
) -> None:
    busy_outbox(db)
    assert snap_compare(admin_app(settings, db), terminal_size=size, run_before=ready_outbox)


@pytest.mark.parametrize("size", [SIZE, WIDE], ids=["80x24", "120x36"])
def test_outbox_all_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, size: tuple[int, int]
) -> None:
    busy_outbox(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_outbox(pilot)
        pilot.app.screen.query_one("#outbox-status", Select).value = "all"
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(admin_app(settings, db), terminal_size=size, run_before=run_before)


def test_outbox_detail_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    busy_outbox(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_failed(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        await steady_cursors(pilot)

    assert snap_compare(admin_app(settings, db), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("size", [SIZE, WIDE], ids=["80x24", "120x36"])
def test_audit_log_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, size: tuple[int, int]
) -> None:
    booked_clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_audit(pilot)
        # Every appointment's entries (the admin's own login names a random session id).
        await apply(pilot, "#audit-entity", "appointment")
        await steady_cursors(pilot)

    assert snap_compare(admin_app(settings, db), terminal_size=size, run_before=run_before)


def test_audit_log_bad_date_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    booked_clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_audit(pilot)
        await apply(pilot, "#audit-entity", "appointment")
        await apply(pilot, "#audit-since", "24.11.2026")
        await steady_cursors(pilot)

    assert snap_compare(admin_app(settings, db), terminal_size=SIZE, run_before=run_before)


def test_audit_detail_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    booked_clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_audit(pilot)
        await apply(pilot, "#audit-entity", "appointment:1")
        await pilot.press("down", "enter")
        await pilot.pause()
        await steady_cursors(pilot)

    assert snap_compare(admin_app(settings, db), terminal_size=SIZE, run_before=run_before)


def test_admin_home_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    make_admin(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(admin_app(settings, db), terminal_size=SIZE, run_before=run_before)
