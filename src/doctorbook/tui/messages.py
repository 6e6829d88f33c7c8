"""Messages between screens and the app, named as facts: screens post up, workers report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    # Types only: the login form imports this module, and core's views would bring the
    # database stack into the app's first paint (issue 13).
    from doctorbook.core.accounts.auth import UserView
    from doctorbook.core.booking.appointments import AppointmentView


@dataclass(frozen=True)
class AppointmentLists:
    """What a home screen shows: upcoming visits (soonest first) and past ones (latest first)."""

    upcoming: tuple[AppointmentView, ...]
    past: tuple[AppointmentView, ...]
    #: When they were read: what "can the patient still cancel" is judged against.
    as_of: datetime | None = None

    @property
    def empty(self) -> bool:
        return not self.upcoming and not self.past


@dataclass(frozen=True)
class SearchQuery:
    """The search form's filters; None (or empty) means any."""

    specialty: str | None = None
    city: str = ""
    name: str = ""


@dataclass(frozen=True)
class ProfileChanges:
    """Every field of the doctor's profile form (all are saved together)."""

    bio: str
    price: str
    clinic_name: str
    address: str
    city: str
    timezone: str
    specialty_names: tuple[str, ...]
    slot_minutes: int
    lead_minutes: int
    cancel_hours: int
    auto_confirm: bool


# --- posted by screens, handled by the app -------------------------------------------------


class LoginSubmitted(Message):
    """The login form was sent."""

    def __init__(self, email: str, password: str) -> None:
        super().__init__()
        self.email = email
        self.password = password


class RegistrationSubmitted(Message):
    """The registration form was sent (the confirmation already matched)."""

    def __init__(self, name: str, email: str, password: str) -> None:
        super().__init__()
        self.name = name
        self.email = email
        self.password = password


class InviteAcceptanceSubmitted(Message):
    """The accept-invite form was sent (the confirmation already matched)."""

    def __init__(self, token: str, password: str) -> None:
        super().__init__()
        self.token = token
        self.password = password


# --- posted by workers, handled by the app -------------------------------------------------


class LoggedIn(Message):
    """A session was opened (by the login form, by registering, or resumed from the store)."""

    def __init__(self, user: UserView, *, resumed: bool = False) -> None:
        super().__init__()
        self.user = user
        #: Resumed from a login the CLI stored: it is the CLI's, quitting leaves it alone.
        self.resumed = resumed


class OwnEmailChanged(Message):
    """The logged-in user confirmed a new e-mail address: it is theirs from now on."""

    def __init__(self, email: str) -> None:
        super().__init__()
        self.email = email


class Registered(Message):
    """A patient account was created."""

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user


class LoggedOut(Message):
    """The session was revoked in the database and removed from the store."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__()
        self.reason = reason


class InviteAccepted(Message):
    """A doctor's account was created from an invite (logging in follows)."""

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user


# --- posted by the screens that change appointments, handled by them and the app ---------


class AppointmentChanged(Message):
    """A screen's worker booked, cancelled, moved or checked in an appointment. The screen
    shows its data again; the app tells the user `note`, refreshes the home screen's lists and,
    in a kiosk, logs out after a booking."""

    def __init__(self, appointment: AppointmentView, note: str, *, booked: bool = False) -> None:
        super().__init__()
        self.appointment = appointment
        self.note = note
        self.booked = booked


# --- the app's own -------------------------------------------------------------------------


class DatabaseRevived(Message):
    """The app's database answers again after it was lost (`ok`), or gave up waiting."""

    def __init__(self, *, ok: bool) -> None:
        super().__init__()
        self.ok = ok
