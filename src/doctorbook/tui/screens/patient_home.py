"""The patient's home: their upcoming and past appointments, the way to find a doctor, and
cancelling an upcoming visit while the doctor's cancellation window allows it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from doctorbook.core import lifecycle
from doctorbook.core.appointments import AppointmentView
from doctorbook.core.errors import AuthenticationError
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.messages import AppointmentChanged, AppointmentLists, AppointmentsRequested
from doctorbook.tui.screens.home import HomeScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.widgets.appointments import AppointmentList, clinic_when, doctor_title

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

#: The app's worker group for calls made as the logged-in user (its error handler's).
SESSION_GROUP = "session"
EMPTY_TEXT = "No appointments yet.\nPress s to search for a doctor and book your first visit."


def cancel_question(appointment: AppointmentView) -> str:
    return (
        f"Cancel your visit with {doctor_title(appointment.doctor_name)} on "
        f"{clinic_when(appointment)}? The slot goes back to other patients."
    )


class PatientHomeScreen(HomeScreen):
    """My appointments; c cancels the highlighted upcoming one (or says why it can't)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "search", "Search", id="search"),
        Binding("c", "cancel_visit", "Cancel visit", id="cancel-visit"),
    ]

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_visit":
            return self.selected is not None
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
        refusal = appointment.patient_cancel_refusal(self.doctorbook.db.clock.now())
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

    @work(thread=True, exit_on_error=False, group=SESSION_GROUP)
    def _cancel(self, appointment: AppointmentView) -> None:
        app = self.doctorbook
        actor = app._actor()
        with app.db.unit_of_work() as uow:
            view = lifecycle.cancel(uow, actor=actor, appointment_id=appointment.id)
        self.post_message(AppointmentChanged(
            view, f"Cancelled: {doctor_title(view.doctor_name)}, {clinic_when(view)}."
        ))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A refusal goes to the app (the one place errors become notifications); the lists
        are read again, since the visit may have changed meanwhile."""
        if event.state is not WorkerState.ERROR:
            return
        self.app.post_message(Worker.StateChanged(event.worker, event.state))
        if not isinstance(event.worker.error, AuthenticationError):
            self.post_message(AppointmentsRequested())
