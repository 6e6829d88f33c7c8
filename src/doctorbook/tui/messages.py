"""Messages between screens and the app, named as facts: screens post up, workers report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from textual.message import Message

from doctorbook.core.accounts.auth import UserView
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.booking.search import SearchResult
from doctorbook.core.doctors.doctors import DoctorProfile
from doctorbook.core.doctors.invites import InviteView, RequestView
from doctorbook.core.doctors.specialties import SpecialtyView
from doctorbook.core.feedback.metrics import Metrics
from doctorbook.core.feedback.reviews import Ratings
from doctorbook.core.feedback.reviews import ReviewView as SubmittedReview
from doctorbook.core.scheduling.availability import DoctorSlots

R = TypeVar("R")


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


class AppointmentsRequested(Message):
    """A home screen was shown or refreshed and wants its appointments."""


class InviteAcceptanceSubmitted(Message):
    """The accept-invite form was sent (the confirmation already matched)."""

    def __init__(self, token: str, password: str) -> None:
        super().__init__()
        self.token = token
        self.password = password


class JoinRequestSubmitted(Message):
    """Someone asked to join as a doctor."""

    def __init__(self, name: str, email: str, message: str) -> None:
        super().__init__()
        self.name = name
        self.email = email
        self.message = message


class SpecialtiesRequested(Message):
    """A screen that lists or picks specialties wants the taxonomy."""


class OwnProfileRequested(Message):
    """The doctor's profile form was opened and wants the profile (and the taxonomy)."""


class ProfileSubmitted(Message):
    """The doctor saved their profile form."""

    def __init__(self, changes: ProfileChanges) -> None:
        super().__init__()
        self.changes = changes


class DoctorSearchSubmitted(Message):
    """The search form's filters were set (or the search screen was opened)."""

    def __init__(self, query: SearchQuery) -> None:
        super().__init__()
        self.query = query


class DoctorProfileRequested(Message):
    """A doctor's public profile was opened (from the search `search_id`, if known: the
    opening is then recorded, once) or shown again, with page `reviews_page` of its reviews."""

    def __init__(
        self, doctor_id: int, *, search_id: uuid.UUID | None = None, reviews_page: int = 1
    ) -> None:
        super().__init__()
        self.doctor_id = doctor_id
        self.search_id = search_id
        self.reviews_page = reviews_page


class SpecialtyAddSubmitted(Message):
    """An admin named a new specialty."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class SpecialtyRenameSubmitted(Message):
    """An admin gave a specialty a new name."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old = old
        self.new = new


class SpecialtyRemoveSubmitted(Message):
    """An admin confirmed removing a specialty."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class InviteSubmitted(Message):
    """An admin sent the invite form."""

    def __init__(self, email: str, name: str, specialty_names: tuple[str, ...]) -> None:
        super().__init__()
        self.email = email
        self.name = name
        self.specialty_names = specialty_names


class JoinRequestsRequested(Message):
    """The doctors-joining screen wants the requests waiting for an admin."""


class JoinRequestDecisionSubmitted(Message):
    """An admin approved (or confirmed rejecting) a request to join."""

    def __init__(self, request_id: int, *, approve: bool) -> None:
        super().__init__()
        self.request_id = request_id
        self.approve = approve


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


class InviteAccepted(Message):
    """A doctor's account was created from an invite (logging in follows)."""

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user


class JoinRequestSent(Message):
    """A request to join as a doctor was stored for an admin to review."""

    def __init__(self, request: RequestView) -> None:
        super().__init__()
        self.request = request


class SpecialtiesLoaded(Message):
    """The taxonomy was read, after a change described by `note` if there was one."""

    def __init__(
        self, generation: int, specialties: tuple[SpecialtyView, ...], note: str | None = None
    ) -> None:
        super().__init__()
        self.generation = generation
        self.specialties = specialties
        self.note = note


class OwnProfileLoaded(Message):
    """The doctor's own profile was read, with the taxonomy to pick specialties from."""

    def __init__(
        self, generation: int, profile: DoctorProfile, specialties: tuple[SpecialtyView, ...]
    ) -> None:
        super().__init__()
        self.generation = generation
        self.profile = profile
        self.specialties = specialties


class ProfileSaved(Message):
    """The doctor's profile was updated."""

    def __init__(self, generation: int, profile: DoctorProfile) -> None:
        super().__init__()
        self.generation = generation
        self.profile = profile


class DoctorsFound(Message):
    """A search ran; `query` says which, so an older answer never replaces a newer one.
    `search_id` names the recorded search: opening a result or booking from it passes it on."""

    def __init__(
        self,
        generation: int,
        query: SearchQuery,
        results: tuple[SearchResult, ...],
        search_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__()
        self.generation = generation
        self.query = query
        self.results = results
        self.search_id = search_id


class DoctorProfileLoaded(Message):
    """A doctor's public profile, their next week's open slots and one page of their ratings
    and reviews were read."""

    def __init__(
        self, generation: int, profile: DoctorProfile, week: DoctorSlots, ratings: Ratings
    ) -> None:
        super().__init__()
        self.generation = generation
        self.profile = profile
        self.week = week
        self.ratings = ratings


class DoctorInvited(Message):
    """An invite was stored and its e-mail queued."""

    def __init__(self, generation: int, invite: InviteView) -> None:
        super().__init__()
        self.generation = generation
        self.invite = invite


class JoinRequestsLoaded(Message):
    """The pending requests were read, after a decision described by `note` if there was one."""

    def __init__(
        self, generation: int, requests: tuple[RequestView, ...], note: str | None = None
    ) -> None:
        super().__init__()
        self.generation = generation
        self.requests = requests
        self.note = note


# --- booking: posted by the workers of the booking screens --------------------------------


class AppointmentChanged(Message):
    """A screen's worker booked, cancelled, moved or checked in an appointment. The screen
    shows its data again; the app tells the user `note`, refreshes the home screen's lists and,
    in a kiosk, logs out after a booking."""

    def __init__(self, appointment: AppointmentView, note: str, *, booked: bool = False) -> None:
        super().__init__()
        self.appointment = appointment
        self.note = note
        self.booked = booked


class PatientsFound(Message):
    """A patient lookup answered request number `request`."""

    def __init__(self, request: int, patients: tuple[UserView, ...]) -> None:
        super().__init__()
        self.request = request
        self.patients = patients


class PatientCreated(Message):
    """The desk created a patient record."""

    def __init__(self, patient: UserView) -> None:
        super().__init__()
        self.patient = patient


# --- reviews and metrics: posted by the workers of the patient's home and the metrics screen -


class ReviewSent(Message):
    """The patient's review of `appointment` was stored (with the NPS answer, if given)."""

    def __init__(self, appointment: AppointmentView, review: SubmittedReview) -> None:
        super().__init__()
        self.appointment = appointment
        self.review = review


class MetricsLoaded(Message):
    """The metrics of one period, for the metrics screen's request number `request`."""

    def __init__(self, request: int, metrics: Metrics) -> None:
        super().__init__()
        self.request = request
        self.metrics = metrics


class DatabaseRevived(Message):
    """The app's database answers again after it was lost (`ok`), or gave up waiting."""

    def __init__(self, *, ok: bool) -> None:
        super().__init__()
        self.ok = ok
