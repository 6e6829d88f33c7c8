"""Messages between screens and the app, named as facts: screens post up, workers report."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from doctorbook.core.appointments import AppointmentView
from doctorbook.core.auth import UserView


@dataclass(frozen=True)
class AppointmentLists:
    """What a home screen shows: upcoming visits (soonest first) and past ones (latest first)."""

    upcoming: tuple[AppointmentView, ...]
    past: tuple[AppointmentView, ...]

    @property
    def empty(self) -> bool:
        return not self.upcoming and not self.past


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


class AppointmentsRequested(Message):
    """A home screen was shown or refreshed and wants its appointments."""


# --- posted by workers, handled by the app -------------------------------------------------


class LoggedIn(Message):
    """A session was opened (by the login form, by registering, or resumed from the store)."""

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user


class Registered(Message):
    """A patient account was created."""

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user


class AppointmentsLoaded(Message):
    """The appointments of the session numbered `generation` were read."""

    def __init__(self, generation: int, lists: AppointmentLists) -> None:
        super().__init__()
        self.generation = generation
        self.lists = lists


class LoggedOut(Message):
    """The session was revoked in the database and removed from the store."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__()
        self.reason = reason
