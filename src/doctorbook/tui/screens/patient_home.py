"""The patient's home: their upcoming and past appointments, the way to find a doctor,
cancelling an upcoming visit while the doctor's cancellation window allows it, and reviewing a
completed one (r on the past visit); under the lists, the highlighted visit's whole reason and
what can (or can't) be done about it."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import Conflict
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import lifecycle
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.feedback import reviews
from doctorbook.core.feedback.reviews import ReviewView
from doctorbook.tui.calls import CallFailed
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.review_form import ReviewDraft, ReviewForm
from doctorbook.tui.messages import AppointmentChanged, AppointmentLists
from doctorbook.tui.screens.home import HomeScreen, appointment_lists
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.text import literal
from doctorbook.tui.widgets.appointments import AppointmentList, clinic_when, doctor_title
from doctorbook.tui.widgets.plain import Static

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


def lists_and_reviews(
    uow: UnitOfWork, *, actor: Actor
) -> tuple[AppointmentLists, frozenset[int]]:
    """The patient's lists and which of their visits they have reviewed (one unit of work:
    a visit is never shown reviewable after its review was read)."""
    return appointment_lists(uow, actor=actor), reviews.reviewed_visits(uow, actor=actor)


def visit_detail(
    appointment: AppointmentView, *, upcoming: bool, reviewed: bool, now: datetime
) -> Text:
    """Under the lists, the highlighted visit: its whole reason (cut in the table at 80
    columns), then what the patient can do about it, or why not."""
    text = Text("Reason: ", style="bold", end="")
    text.append_text(literal(appointment.reason or "none given"))
    if upcoming:
        refusal = appointment.patient_cancel_refusal(now)
        hint = (f"You can't cancel this visit online: {refusal}." if refusal is not None
                else "Press c to cancel this visit.")
    elif appointment.status != "completed":
        hint = ""
    else:
        hint = ALREADY_REVIEWED if reviewed else "Press r to review this visit."
    if hint:
        text.append(f"\n{hint}", style="dim")
    return text


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

    DEFAULT_CSS = """
    PatientHomeScreen #visit-detail {
        height: auto;
        max-height: 4;
        padding: 0 1;
    }
    """

    def __init__(self, user: UserView) -> None:
        super().__init__(user)
        #: Visits reviewed (as core read them with the lists, or in this session): Review is
        #: not offered for them.
        self._reviewed: set[int] = set()
        #: The visit whose review is being sent.
        self._reviewing: int | None = None

    heading = "My appointments"
    empty_text = EMPTY_TEXT
    show_patient = False

    @property
    def doctorbook(self) -> DoctorbookApp:
        return cast("DoctorbookApp", self.app)

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static("", id="visit-detail")

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen())

    class VisitsLoaded(Message):
        """The patient's lists, and the ids of the visits they have reviewed."""

        def __init__(self, found: tuple[AppointmentLists, frozenset[int]]) -> None:
            super().__init__()
            self.lists, self.reviewed = found

    def refresh_lists(self) -> None:
        """The lists with the reviews, so that a visit reviewed (here, on another terminal,
        with the CLI) is not offered for review again."""
        self.call(self.VisitsLoaded, lists_and_reviews)

    def on_patient_home_screen_visits_loaded(self, message: VisitsLoaded) -> None:
        self._reviewed |= message.reviewed
        self.appointments = message.lists

    def watch_appointments(self, lists: AppointmentLists | None) -> None:
        appointments = self.query_one(AppointmentList)
        appointments.lists = lists
        if self.is_current and (self.focused is None or not self.focused.display):
            appointments.focus_upcoming()
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted visit's detail line, and the keys that apply to it."""
        detail = self.query_one("#visit-detail", Static)
        past = self.review_target
        appointment = past or self.selected
        if appointment is None:
            detail.display = False
        else:
            detail.update(visit_detail(appointment, upcoming=past is None,
                                       reviewed=appointment.id in self._reviewed,
                                       now=self.doctorbook.now()))
            detail.display = True
        self.refresh_bindings()

    @property
    def selected(self) -> AppointmentView | None:
        return self.query_one(AppointmentList).highlighted_upcoming()

    @property
    def review_target(self) -> AppointmentView | None:
        """The visit r would review: the highlighted past one (completed, missed and
        cancelled visits are all past)."""
        return self.query_one(AppointmentList).highlighted_past()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_visit":
            # Offered only where the patient may cancel; the detail line says why not.
            selected = self.selected
            return (self.review_target is None and selected is not None
                    and selected.patient_cancel_refusal(self.doctorbook.now()) is None)
        if action == "review":
            # A visit reviewed already is not offered again (r refreshes there).
            target = self.review_target
            return target is not None and target.id not in self._reviewed
        return True

    @on(DataTable.RowHighlighted)
    def _highlight_moved(self) -> None:
        self._show_detail()

    def on_descendant_focus(self) -> None:
        self._show_detail()

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
                          title="Cancel a visit", back="Keep visit"),
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
        self._show_detail()

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
                self._reviewed.add(self._reviewing)  # reviewed elsewhere meanwhile
            self._reviewing = None
            self._show_detail()
        if message.group in (CHANGE, REVIEW) and message.refusal is not None:
            self.refresh_lists()
