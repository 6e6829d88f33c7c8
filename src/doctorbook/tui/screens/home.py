"""What every role's home screen shares: the user in the header, appointments, refresh, and
changing one's password."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header

from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base import live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.live import Changes
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking.appointments import Scope, list_appointments
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.dialogs.change_password import ChangePasswordDialog, changed_text
from doctorbook.tui.dialogs.my_details import SAVED, MyDetailsDialog
from doctorbook.tui.messages import AppointmentLists
from doctorbook.tui.widgets.appointments import AppointmentList
from doctorbook.tui.widgets.plain import Label


def role_label(user: UserView) -> str:
    return str(user.role).capitalize()


def appointment_lists(uow: UnitOfWork, *, actor: Actor) -> AppointmentLists:
    """A home screen's lists, and when they were read (one unit of work): upcoming are the
    visits still to come and still to happen; a visit completed, missed or cancelled today is
    past already (nothing is left to do about it)."""
    upcoming = list_appointments(uow, actor=actor, scope=Scope.COMING)
    past = list_appointments(uow, actor=actor, scope=Scope.DONE)
    return AppointmentLists(tuple(upcoming), tuple(past), uow.now())


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class HomeScreen(Screen[None], CoreCalls):
    """A role's home: reads its appointments when shown, on refresh, and when the app says
    they changed (`refresh_lists`). ctrl+w changes the user's password, on every role's home
    (and at the kiosk)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Refresh", id="refresh"),
        Binding("r", "refresh", "Refresh", show=False, id="refresh-r"),
        # Off the key bar (full at 80 columns on most homes); F1 lists it.
        Binding("ctrl+w", "change_password", "Change password", show=False,
                id="change-password"),
        Binding("ctrl+d", "my_details", "My details", show=False, id="my-details"),
    ]

    #: Set by the subclasses.
    heading = ""
    empty_text = ""
    show_patient = False
    #: A home with many keys of its own leaves the footer's ^p palette hint out (ctrl+p works).
    palette_in_footer = True

    appointments: reactive[AppointmentLists | None] = reactive(None, init=False)

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label(self.heading, classes="screen-title")
            yield AppointmentList(empty_text=self.empty_text, show_patient=self.show_patient)
        yield Footer(show_command_palette=self.palette_in_footer)

    class AppointmentsLoaded(Message):
        """The user's appointment lists, as core read them now."""

        def __init__(self, lists: AppointmentLists) -> None:
            super().__init__()
            self.lists = lists

    def on_mount(self) -> None:
        self.sub_title = f"{self.user.name} · {role_label(self.user)}"
        self.refresh_lists()

    def refresh_data(self, changes: Changes) -> None:
        """A visit booked, moved or changed anywhere may be one of this list's (a new booking
        has an id this screen has never seen, so any appointment change counts)."""
        if changes.touches(live.APPOINTMENTS):
            self.refresh_lists()

    def refresh_lists(self) -> None:
        """Read the appointments again (a read still on its way is dropped). The app calls
        this after a visit changed anywhere, and when its database is back."""
        self.call(self.AppointmentsLoaded, appointment_lists)

    def on_home_screen_appointments_loaded(self, message: AppointmentsLoaded) -> None:
        self.appointments = message.lists

    def watch_appointments(self, lists: AppointmentLists | None) -> None:
        self.query_one(AppointmentList).lists = lists

    def action_refresh(self) -> None:
        self.refresh_lists()

    def action_change_password(self) -> None:
        def changed(ended: int | None) -> None:
            if ended is not None:
                self.notify(changed_text(ended), markup=False)

        self.app.push_screen(ChangePasswordDialog(), changed)

    def action_my_details(self) -> None:
        def saved(done: bool | None) -> None:
            if done:
                self.notify(SAVED, markup=False)

        self.app.push_screen(MyDetailsDialog(), saved)
