"""The patient's home: their upcoming and past appointments, the way to find a doctor,
cancelling an upcoming visit while the doctor's cancellation window allows it, and reviewing a
completed one (r on the past visit)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base.errors import Conflict
from doctorbook.core.booking import lifecycle
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.feedback import reviews
from doctorbook.core.feedback.reviews import ReviewView
from doctorbook.tui.calls import CallFailed
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.review_form import ReviewDraft, ReviewForm
from doctorbook.tui.messages import AppointmentChanged, AppointmentLists
from doctorbook.tui.screens.home import HomeScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.widgets.appointments import AppointmentList, clinic_when, doctor_title

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

#: The calls that change a visit, and the one that sends a review: after a refusal of either
#: the lists are read again (the visit may have changed meanwhile).
CHANGE = "change"
REVIEW = "review"
EMPTY_TEXT = "No appointments yet.\nPress s to search for a doctor and book your first visit."
THANKS = "Thanks for your review."
ALREADY_REVIEWED = "You have already reviewed this visit. Thank you!"
#: How a visit that can't be reviewed is described: "…; this one is cancelled."
NOT_REVIEWABLE = {
    "pending": "still pending",
    "confirmed": "not completed yet",
    "checked_in": "not completed yet",
    "cancelled": "cancelled",
    "no_show": "a no-show",
}


def cancel_question(appointment: AppointmentView) -> str:
    return (
        f"Cancel your visit with {doctor_title(appointment.doctor_name)} on "
        f"{clinic_when(appointment)}? The slot goes back to other patients."
    )


def review_refusal(appointment: AppointmentView) -> str | None:
    """Why the visit can't be reviewed (None: it is completed, core has the last word)."""
    if appointment.status == "completed":
        return None
    state = NOT_REVIEWABLE.get(appointment.status, appointment.status.replace("_", " "))
    return f"You can review a visit once it is completed; this one is {state}."


class PatientHomeScreen(HomeScreen):
    """My appointments; c cancels the highlighted upcoming one (or says why it can't), r on a
    past one reviews it (or says why it can't)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "search", "Search", id="search"),
        Binding("c", "cancel_visit", "Cancel visit", id="cancel-visit"),
        Binding("r", "review", "Review", id="review"),
        # Where there is nothing to review, r refreshes, as on every home screen.
        Binding("r", "refresh", "Refresh", show=False, id="refresh-r"),
    ]

    def __init__(self, user: UserView) -> None:
        super().__init__(user)
        #: Visits reviewed (or found reviewed) in this session: not offered a second time.
        self._reviewed: set[int] = set()
        #: The visit whose review is being sent.
        self._reviewing: int | None = None

    heading = "My appointments"
    empty_text = EMPTY_TEXT
    show_patient = False

    @property
    def doctorbook(self) -> DoctorbookApp:
        return cast("DoctorbookApp", self.app)

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen())

    def watch_appointments(self, lists: AppointmentLists | None) -> None:
        appointments = self.query_one(AppointmentList)
        appointments.lists = lists
        if self.is_current and (self.focused is None or not self.focused.display):
            appointments.focus_upcoming()
        self.refresh_bindings()

    @property
    def selected(self) -> AppointmentView | None:
        return self.query_one(AppointmentList).highlighted_upcoming()

    @property
    def review_target(self) -> AppointmentView | None:
        """The visit r would review: the highlighted past one (or a completed upcoming one)."""
        appointments = self.query_one(AppointmentList)
        past = appointments.highlighted_past()
        if past is not None:
            return past
        upcoming = appointments.highlighted_upcoming()
        return upcoming if upcoming is not None and upcoming.status == "completed" else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_visit":
            return self.selected is not None
        if action == "review":
            return self.review_target is not None
        return True

    @on(DataTable.RowHighlighted)
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_cancel_visit(self) -> None:
        appointment = self.selected
        if appointment is None:
            return
        refusal = appointment.patient_cancel_refusal(self.doctorbook.now())
        if refusal is not None:
            self.notify(f"You can't cancel this visit online: {refusal}.", severity="warning",
                        markup=False)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._cancel(appointment)

        self.app.push_screen(
            ConfirmDialog(cancel_question(appointment), confirm="Yes, cancel it",
                          title="Cancel a visit"),
            confirmed,
        )

    def action_review(self) -> None:
        appointment = self.review_target
        if appointment is None or self._reviewing is not None:
            return
        refusal = review_refusal(appointment)
        if refusal is None and appointment.id in self._reviewed:
            refusal = ALREADY_REVIEWED
        if refusal is not None:
            self.notify(refusal, severity="warning", markup=False)
            return

        def written(draft: ReviewDraft | None) -> None:
            if draft is not None:
                self._reviewing = appointment.id
                self._review(appointment, draft)

        about = f"{doctor_title(appointment.doctor_name)} · {clinic_when(appointment)}"
        self.app.push_screen(ReviewForm(about=about), written)

    # --- calls to core ----------------------------------------------------------------------

    class ReviewSent(Message):
        """The patient's review of `appointment` was stored (with the NPS answer, if given)."""

        def __init__(self, appointment: AppointmentView, review: ReviewView) -> None:
            super().__init__()
            self.appointment = appointment
            self.review = review

    def _review(self, appointment: AppointmentView, draft: ReviewDraft) -> None:
        self.call(partial(self.ReviewSent, appointment), reviews.submit_review, group=REVIEW,
                  exclusive=False, appointment_id=appointment.id, rating=draft.rating,
                  comment=draft.comment, nps=draft.nps)

    def on_patient_home_screen_review_sent(self, message: ReviewSent) -> None:
        self._reviewing = None
        self._reviewed.add(message.appointment.id)
        self.notify(THANKS, markup=False)

    def _cancel(self, appointment: AppointmentView) -> None:
        def cancelled(view: AppointmentView) -> AppointmentChanged:
            return AppointmentChanged(
                view, f"Cancelled: {doctor_title(view.doctor_name)}, {clinic_when(view)}."
            )

        self.call(cancelled, lifecycle.cancel, group=CHANGE, exclusive=False,
                  appointment_id=appointment.id)

    @on(CallFailed)
    def _change_refused(self, message: CallFailed) -> None:
        """After a refused review or cancellation the lists are read again: the visit may have
        changed meanwhile. (The app, next, says why.)"""
        if message.group == REVIEW:
            if isinstance(message.refusal, Conflict) and self._reviewing is not None:
                self._reviewed.add(self._reviewing)  # reviewed before (core said so)
            self._reviewing = None
        if message.group in (CHANGE, REVIEW) and message.refusal is not None:
            self.refresh_lists()
