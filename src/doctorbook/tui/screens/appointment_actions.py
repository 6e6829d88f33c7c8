"""What a doctor does to one appointment: confirm, cancel (with a reason), complete, no-show,
add a private note, send the confirmation again. Shared by the dashboard and the appointment
detail screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from doctorbook.core.base import live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.live import Changes
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import lifecycle, resend
from doctorbook.core.booking.appointments import ACTIVE_STATUSES, AppointmentView
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.note_form import NoteDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt

#: The calls: reading what the screen shows, and the changes (each reads it again after).
LOAD = "load"
CHANGE = "change"

#: Each action's key, in core's words; a status change is offered only where core allows it.
STATUS_ACTIONS = {
    "confirm_visit": "confirm",
    "complete_visit": "complete",
    "no_show": "no_show",
}
#: What the notification after a change says, before the appointment and after it.
DONE = {
    "confirm": ("Confirmed", " The patient gets an e-mail."),
    "complete": ("Completed", ""),
    "no_show": ("Marked as a no-show", ""),
    "cancel": ("Cancelled", " The patient gets an e-mail."),
    "note": ("Note added", ""),
}
#: Said on the key bar and in the cancel dialog for leaving it without cancelling.
KEEP_VISIT = "Keep visit"


def resent_text(appointment: AppointmentView) -> str:
    """'Confirmation queued again for Alice Patient (alice@example.com) · Wed 25 Nov 10:00.'"""
    to = f" ({appointment.patient_email})" if appointment.patient_email else ""
    return (f"Confirmation queued again for {appointment.patient_name}{to} · "
            f"{when(appointment)}.")


def done_text(action: str, appointment: AppointmentView) -> str:
    """'Cancelled: Alice Patient · Wed 25 Nov 10:00. The patient gets an e-mail.'"""
    before, after = DONE[action]
    return f"{before}: {describe(appointment)}.{after}"


def when(appointment: AppointmentView) -> str:
    """'Wed 25 Nov 10:00', in the clinic's time."""
    return f"{appointment.local_start:%a %d %b %H:%M}"


def describe(appointment: AppointmentView) -> str:
    """'Alice Patient · Wed 25 Nov 10:00'."""
    return f"{appointment.patient_name} · {when(appointment)}"


def status_label(status: str) -> str:
    """'Checked in' for 'checked_in'."""
    return status.replace("_", " ").capitalize()


def _as_is(message: Message) -> Message:
    """The answer of a call whose use case (`read_state`) already built the message."""
    return message


@dataclass(frozen=True)
class Change:
    """One thing done to an appointment: a status action of core's, 'cancel', 'note' or
    'resend' (the confirmation e-mail once more)."""

    action: str
    #: The reason of a cancel, the text of a note.
    text: str | None = None


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class AppointmentActionsScreen(Screen[None], CoreCalls):
    """A screen with a selected appointment of the logged-in doctor, and the keys that act on
    it. Core makes each change in a call; the subclass then reads its data again
    (`read_state`, in the change's own unit of work) so the screen reflects what core did."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "confirm_visit", "Confirm", id="confirm-appointment"),
        Binding("x", "cancel_visit", "Cancel", id="cancel-appointment"),
        Binding("k", "complete_visit", "Complete", id="complete-appointment"),
        Binding("n", "no_show", "No-show", id="no-show"),
        Binding("o", "add_note", "Note", id="add-note"),
        Binding("e", "resend", "Resend", id="resend-confirmation"),
    ]

    @property
    def selected(self) -> AppointmentView | None:
        """The appointment the keys act on (none while loading)."""
        raise NotImplementedError

    def read_state(self, uow: UnitOfWork, *, actor: Actor, note: str | None) -> Message:
        """Read what the screen shows (in the thread and unit of work of the call), as the
        message that hands it to the screen; `note` says what was just done, if anything."""
        raise NotImplementedError

    # --- calls to core ---------------------------------------------------------------------

    @property
    def changing(self) -> bool:
        """Whether a change asked for on this screen is still being made."""
        return any(w.node is self and w.group == CHANGE and not w.is_finished
                   for w in self.workers)

    def refresh_data(self, changes: Changes) -> None:
        """A visit changed elsewhere (another desk, the doctor, the patient at the kiosk)."""
        if changes.touches(live.APPOINTMENTS):
            self.reload()

    def reload(self) -> None:
        """Read the state again; a read still on its way is dropped (loads are exclusive).
        Not while a change is being made: it reads the state again itself, after the change,
        and a read started now could answer last with what was there before it."""
        if not self.changing:
            self.call(_as_is, self.read_state, group=LOAD, note=None)

    def _change(self, appointment: AppointmentView, change: Change) -> None:
        def change_then_read(uow: UnitOfWork, *, actor: Actor) -> Message:
            if change.action == "cancel":
                lifecycle.cancel(uow, actor=actor, appointment_id=appointment.id,
                                 reason=change.text)
            elif change.action == "note":
                lifecycle.add_note(uow, actor=actor, appointment_id=appointment.id,
                                   text=change.text or "")
            elif change.action == "resend":
                # Said with the address core sent it to (the patient's, as it is now).
                sent = resend.resend_confirmation(uow, actor=actor,
                                                  appointment_id=appointment.id)
                return self.read_state(uow, actor=actor, note=resent_text(sent))
            else:
                lifecycle.change_status(uow, actor=actor, appointment_id=appointment.id,
                                        action=change.action)
            return self.read_state(uow, actor=actor,
                                   note=done_text(change.action, appointment))

        # A read still on its way may have started before this change: its answer is older.
        self.workers.cancel_group(self, LOAD)
        self.call(_as_is, change_then_read, group=CHANGE, exclusive=False)

    @on(CallFailed)
    def _change_refused(self, message: CallFailed) -> None:
        """After a refused change the appointment is shown as it is now: someone else may have
        changed it. (The app, next, says why.)"""
        if message.group == CHANGE and message.refusal is not None:
            self.reload()

    # --- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the changes core allows from the selected appointment's status (and, for a
        no-show or a resend, its time) are offered."""
        appointment = self.selected
        if action in STATUS_ACTIONS:
            transition = lifecycle.TRANSITIONS[STATUS_ACTIONS[action]]
            if appointment is None or appointment.status not in transition.sources:
                return False
            # Nobody missed a visit that hasn't started yet (core refuses it too).
            return action != "no_show" or appointment.starts_at <= self._now()
        if action == "cancel_visit":
            return appointment is not None and appointment.status in ACTIVE_STATUSES
        if action == "resend":
            return (appointment is not None and appointment.status in resend.RESENDABLE
                    and appointment.starts_at > self._now())
        if action == "add_note":
            return appointment is not None
        return super().check_action(action, parameters)

    def _now(self) -> datetime:
        """The clinic's clock, as core reads it."""
        now: datetime = self.app.now()  # type: ignore[attr-defined]
        return now

    def _run(self, change: Change) -> None:
        appointment = self.selected
        if appointment is not None:
            self._change(appointment, change)

    def action_confirm_visit(self) -> None:
        self._run(Change("confirm"))

    def action_complete_visit(self) -> None:
        appointment = self.selected
        if appointment is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(Change("complete"))

        # Like a no-show, a completed visit can't be changed back: asked first.
        self.app.push_screen(
            ConfirmDialog(
                f"Record that {appointment.patient_name}'s visit on {when(appointment)} "
                "took place?",
                confirm="Complete", title="Complete the visit",
            ),
            answered,
        )

    def action_resend(self) -> None:
        self._run(Change("resend"))

    def action_no_show(self) -> None:
        appointment = self.selected
        if appointment is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(Change("no_show"))

        self.app.push_screen(
            ConfirmDialog(
                f"Record that {appointment.patient_name} did not come on {when(appointment)}?",
                confirm="No-show", title="No-show",
            ),
            answered,
        )

    def action_cancel_visit(self) -> None:
        appointment = self.selected
        if appointment is None:
            return

        def answered(reason: str | None) -> None:
            # None: the dialog was cancelled; "" goes to core, which asks for a reason.
            if reason is not None:
                self._run(Change("cancel", reason))

        self.app.push_screen(
            TextPrompt(
                title=f"Cancel the visit: {describe(appointment)}",
                label="Reason (the patient is told it by e-mail)",
                submit="Cancel the visit", allow_empty=True, back=KEEP_VISIT,
            ),
            answered,
        )

    def action_add_note(self) -> None:
        appointment = self.selected
        if appointment is None:
            return

        def written(text: str | None) -> None:
            if text is not None:
                self._run(Change("note", text))

        self.app.push_screen(NoteDialog(about=describe(appointment)), written)
