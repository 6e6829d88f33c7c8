"""The desk's patient lookup: type part of a name, e-mail or phone; Enter on a patient selects
them; n (ctrl+n while typing) creates a patient record on the spot; a (on the list) e-mails a
patient without a password a code to set one; an admin also disables (x), enables (e) and
erases (E) the highlighted patient's account."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input
from textual.worker import Worker, WorkerState

from doctorbook.core.accounts import accounts, erasure, patients
from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base.rbac import Permission
from doctorbook.tui.calls import Refused, refusable
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.erase_patient import ErasePatientDialog
from doctorbook.tui.dialogs.new_patient import NewPatientDialog, NewPatientForm
from doctorbook.tui.dialogs.text_prompt import ASK_WHY, ask_reason
from doctorbook.tui.messages import PatientCreated, PatientsFound
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import show_rows

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

#: The app's worker group for calls made as the logged-in user (its error handler's).
SESSION_GROUP = "session"
COLUMNS = ("Name", "E-mail", "Phone")
SEARCHING = "Searching…"
NONE_FOUND = "No patient matches. Press Enter (or ctrl+n) to create a patient record."


def found_text(count: int, query: str) -> str:
    if count == 0:
        return NONE_FOUND if query else "No patients yet. Press ctrl+n to create one."
    found = f"{count} patient{'s' if count != 1 else ''}"
    return f"{found}{' match' if query else ''}. ↓ to the list; Enter selects a patient."


class ActivationSent(Message):
    """The activation e-mail to `patient` is queued (`note` None), or core refused it (`note`
    says why)."""

    def __init__(self, patient: UserView, note: str | None = None) -> None:
        super().__init__()
        self.patient = patient
        self.note = note


class PatientAccountChanged(Message):
    """An admin's disable, enable or erase went through, or core refused it: `text` says
    which, for a notification."""

    def __init__(self, text: str, *, refused: bool = False) -> None:
        super().__init__()
        self.text = text
        self.refused = refused


def shown_name(patient: UserView) -> str:
    return f"{patient.name} (disabled)" if not patient.is_active else patient.name


def draft_from(query: str) -> NewPatientForm:
    """A new patient's form started from what was searched for: an e-mail or a name."""
    text = " ".join(query.split())
    if "@" in text:
        return NewPatientForm("", text)
    return NewPatientForm(text, "")


class PatientLookupScreen(Screen[UserView | None]):
    """Dismisses with the patient chosen (or created), or None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_patient", "New patient", id="new-patient"),
        Binding("ctrl+n", "new_patient_typing", "New patient", id="new-patient-ctrl"),
        Binding("a", "send_activation", "Activation e-mail", id="send-activation"),
        # An admin's keys; check_action offers only the one that applies to the highlight.
        Binding("x", "disable", "Disable", id="disable-patient"),
        Binding("e", "enable", "Enable", id="enable-patient"),
        Binding("E", "erase", "Erase", id="erase-patient"),
        Binding("down", "to_results", "To the list", show=False, id="to-results"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.found: tuple[UserView, ...] | None = None
        #: The form core last refused: the next new-patient dialog starts from it.
        self.draft: NewPatientForm | None = None
        #: Searches are numbered: only the answer to the newest one is shown.
        self._requests = 0
        self._query = ""
        #: An admin may disable, enable and erase patients (read once, on mount).
        self.manages_accounts = False

    @property
    def doctorbook(self) -> DoctorbookApp:
        return cast("DoctorbookApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label("Find a patient", classes="screen-title")
            yield Input(placeholder="Name, e-mail or phone", id="patient-query")
            yield Static(SEARCHING, id="lookup-status", classes="form-hint")
            yield DataTable(id="patients-table", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Patients"
        self.manages_accounts = self.doctorbook.can(Permission.USERS_DISABLE)
        show_rows(self.query_one("#patients-table", DataTable), COLUMNS, [])
        self.query_one("#patient-query", Input).focus()
        self._search("")

    # --- searching -------------------------------------------------------------------------

    def _search(self, query: str) -> None:
        self._requests += 1
        self._query = query
        self._find(self._requests, query)

    @on(Input.Changed, "#patient-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#patient-query")
    def _query_submitted(self) -> None:
        if self.found:
            self.action_to_results()
        elif self.found is not None:
            self.action_new_patient()

    @work(thread=True, exit_on_error=False, group=SESSION_GROUP)
    def _find(self, request: int, query: str) -> None:
        found = self.doctorbook.core.run(patients.find_patients, query=query)
        self.post_message(PatientsFound(request, tuple(found)))

    def on_patients_found(self, message: PatientsFound) -> None:
        if message.request != self._requests:
            return  # a newer search is on its way
        self.found = message.patients
        table: DataTable[str] = self.query_one("#patients-table", DataTable)
        show_rows(table, COLUMNS, [
            (str(p.id), (shown_name(p), p.email, p.phone or "—")) for p in message.patients
        ])
        self.query_one("#lookup-status", Static).update(
            found_text(len(message.patients), self._query.strip())
        )
        self.refresh_bindings()

    # --- choosing --------------------------------------------------------------------------

    @property
    def highlighted(self) -> UserView | None:
        table: DataTable[str] = self.query_one("#patients-table", DataTable)
        if not self.found or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((p for p in self.found if str(p.id) == key), None)

    @on(DataTable.RowSelected, "#patients-table")
    def _chosen(self) -> None:
        patient = self.highlighted
        if patient is not None:
            self.dismiss(patient)

    def action_to_results(self) -> None:
        table = self.query_one("#patients-table", DataTable)
        if table.row_count:
            table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The key bar shows the key that works: ctrl+n while typing (n types an n), n else."""
        typing = self.query_one("#patient-query", Input).has_focus
        if action == "new_patient":
            return not typing
        if action == "new_patient_typing":
            return typing
        patient = None if typing else self.highlighted
        if action == "send_activation":
            return patient is not None and patient.is_active and not patient.has_password
        if action in ("disable", "enable", "erase"):
            if patient is None or not self.manages_accounts:
                return False
            return action == "erase" or patient.is_active == (action == "disable")
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#patients-table")
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    # --- the e-mail to set a password --------------------------------------------------------

    def action_send_activation(self) -> None:
        patient = self.highlighted
        if patient is not None and not self.query_one("#patient-query", Input).has_focus:
            self._send_activation(patient)

    @work(thread=True, exit_on_error=False, group=SESSION_GROUP)
    def _send_activation(self, patient: UserView) -> None:
        try:
            # A login ended meanwhile, or a lost database, is the app's to handle.
            self.doctorbook.core.run(refusable(accounts.send_activation), patient_id=patient.id)
        except Refused as refused:
            self.post_message(ActivationSent(patient, f"{refused.error}."))
            return
        self.post_message(ActivationSent(patient))

    def on_activation_sent(self, message: ActivationSent) -> None:
        patient = message.patient
        if message.note is None:
            self.notify(f"Activation e-mail sent to {patient.name} <{patient.email}>: its code "
                        "lets them set a password (Forgot password? then I have a code).",
                        markup=False, timeout=10)
        else:
            self.notify(f"No activation e-mail sent to {patient.name}: {message.note}",
                        severity="warning", markup=False, timeout=10)

    # --- an admin's disable, enable and erase ------------------------------------------------

    def action_disable(self) -> None:
        patient = self.highlighted
        if patient is None or not self.check_action("disable", ()):
            return

        ask_reason(self, title=f"Disable {patient.name}'s account",
                   label="Reason (shown to other admins)", submit="Disable",
                   asked_again=ASK_WHY,
                   then=lambda reason: self._set_active(patient, False, reason))

    def action_enable(self) -> None:
        patient = self.highlighted
        if patient is None or not self.check_action("enable", ()):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._set_active(patient, True, None)

        reason = f" (disabled: {patient.disabled_reason})" if patient.disabled_reason else ""
        self.app.push_screen(ConfirmDialog(
            f"Enable {patient.name}'s account again{reason}? They can log in again.",
            confirm="Enable"), answered)

    def action_erase(self) -> None:
        patient = self.highlighted
        if patient is None or not self.check_action("erase", ()):
            return

        def answered(reason: str | None) -> None:
            if reason is not None:
                self._erase(patient, reason)

        self.app.push_screen(ErasePatientDialog(patient), answered)

    @work(thread=True, exit_on_error=False, group=SESSION_GROUP)
    def _set_active(self, patient: UserView, active: bool, reason: str | None) -> None:
        try:
            view = self.doctorbook.core.run(refusable(accounts.set_patient_active),
                                            ref=patient.id, active=active, reason=reason)
        except Refused as refused:
            self.post_message(PatientAccountChanged(
                f"{patient.name}'s account is unchanged: {refused.error}.", refused=True))
            return
        self.post_message(PatientAccountChanged(
            f"{view.name}'s account is enabled again." if active else
            f"{view.name}'s account is disabled: they can't log in, and the desk can still "
            "book for them."))

    @work(thread=True, exit_on_error=False, group=SESSION_GROUP)
    def _erase(self, patient: UserView, reason: str) -> None:
        try:
            report = self.doctorbook.core.run(refusable(erasure.erase_patient),
                                              patient_id=patient.id, reason=reason)
        except Refused as refused:
            self.post_message(PatientAccountChanged(
                f"{patient.name} was not erased: {refused.error}.", refused=True))
            return
        self.post_message(PatientAccountChanged(
            f"{patient.name} is erased: {report.appointments} visit(s) and {report.reviews} "
            "review(s) stay, anonymous."))

    def on_patient_account_changed(self, message: PatientAccountChanged) -> None:
        self.notify(message.text, markup=False, timeout=10,
                    severity="warning" if message.refused else "information")
        self._search(self._query)

    # --- creating --------------------------------------------------------------------------

    def action_new_patient_typing(self) -> None:
        self.action_new_patient()

    def action_new_patient(self) -> None:
        def answered(form: NewPatientForm | None) -> None:
            self.draft = form
            if form is not None:
                self._create(form)

        start = self.draft or draft_from(self.query_one("#patient-query", Input).value)
        self.app.push_screen(NewPatientDialog(start), answered)

    @work(thread=True, exit_on_error=False, group=SESSION_GROUP)
    def _create(self, form: NewPatientForm) -> None:
        patient = self.doctorbook.core.run(
            patients.create_patient, email=form.email, name=form.name, phone=form.phone or None
        )
        self.post_message(PatientCreated(patient))

    def on_patient_created(self, message: PatientCreated) -> None:
        patient = message.patient
        self.draft = None
        self.notify(f"Patient record created: {patient.name} <{patient.email}>. They get an "
                    "e-mail to set their password.", markup=False)
        self.dismiss(patient)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed call goes to the app, the one place errors become notifications."""
        if event.state is WorkerState.ERROR:
            self.app.post_message(Worker.StateChanged(event.worker, event.state))

    def action_back(self) -> None:
        self.dismiss(None)
