"""The desk's patient lookup: type part of a name, e-mail or phone, or a date of birth; Enter on
a patient selects them; n (ctrl+n while typing) creates a patient record on the spot (a walk-in
may have no e-mail); a (on the list) e-mails a patient without a password a code to set one,
m adds or corrects such a patient's e-mail; an admin also disables (x), enables (e) and erases
(E) the highlighted patient's account."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input

from doctorbook.core.accounts import accounts, erasure, patients
from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base.rbac import Permission
from doctorbook.tui.calls import CallFailed, CoreCalls, refusable
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.erase_patient import ErasePatientDialog
from doctorbook.tui.dialogs.new_patient import NewPatientDialog, NewPatientForm
from doctorbook.tui.dialogs.patient_email import PatientEmailDialog
from doctorbook.tui.dialogs.text_prompt import ASK_WHY, ask_reason
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import MAX_WIDTH, show_rows

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

#: The search (a newer one replaces one on its way; the new-patient dialog creates records).
FIND = "find"
#: The calls about one patient's account, a group each with the patient's id after it: a
#: refusal names the patient (and, after a disable, enable or erase, the list is read again).
ACTIVATION = "activation"
ACCOUNT = "account"
ERASE = "erase"
#: Phone and date of birth tell two "Jan Novák"s apart, so they are never cut at 80 columns;
#: a cut name or e-mail is whole in the detail line under the list.
COLUMNS = ("Name", "E-mail", "Phone", "Born")
LEAST = {"Name": 14, "E-mail": 14, "Phone": MAX_WIDTH, "Born": MAX_WIDTH}
#: What stands for an e-mail, phone or date of birth the patient didn't give.
UNKNOWN = "—"
SEARCHING = "Searching…"
NONE_FOUND = "No patient matches. Press Enter (or ctrl+n) to create a patient record."


def found_text(count: int, query: str) -> str:
    if count == 0:
        return NONE_FOUND if query else "No patients yet. Press ctrl+n to create one."
    found = f"{count} patient{'s' if count != 1 else ''}"
    return f"{found}{' match' if query else ''}. ↓ to the list; Enter selects a patient."


def shown_name(patient: UserView) -> str:
    return f"{patient.name} (disabled)" if not patient.is_active else patient.name


def born_text(patient: UserView) -> str:
    return patient.date_of_birth.isoformat() if patient.date_of_birth else UNKNOWN


def patient_cells(patient: UserView) -> tuple[str, str, str, str]:
    return (shown_name(patient), patient.email or UNKNOWN, patient.phone or UNKNOWN,
            born_text(patient))


def detail_text(patient: UserView | None) -> str:
    """The highlighted patient whole (the list may cut a long name or e-mail)."""
    if patient is None:
        return ""
    email = patient.email or "no e-mail"
    phone = f"phone {patient.phone}" if patient.phone else "no phone"
    born = f"born {born_text(patient)}" if patient.date_of_birth else "date of birth unknown"
    return f"{shown_name(patient)} · {email} · {phone} · {born}"


def created_text(patient: UserView) -> str:
    if patient.email is None:
        return (f"Patient record created: {patient.name}, without an e-mail (nothing was "
                "sent). m in the patient list adds one.")
    return (f"Patient record created: {patient.name} <{patient.email}>. They get an e-mail "
            "to set their password.")


def draft_from(query: str) -> NewPatientForm:
    """A new patient's form started from what was searched for: an e-mail or a name."""
    text = " ".join(query.split())
    if "@" in text:
        return NewPatientForm("", text)
    return NewPatientForm(text, "")


class PatientLookupScreen(CoreCalls, Screen[UserView | None]):
    """Dismisses with the patient chosen (or created), or None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_patient", "New patient", id="new-patient"),
        Binding("ctrl+n", "new_patient_typing", "New patient", id="new-patient-ctrl"),
        Binding("a", "send_activation", "Activation e-mail", id="send-activation"),
        # One key, two bindings: the key bar offers adding a walk-in's missing e-mail; fixing a
        # mistyped one works the same but isn't shown (the bar has no room for it at 80).
        Binding("m", "add_email", "Add e-mail", id="add-patient-email"),
        Binding("m", "change_email", "Change e-mail", show=False, id="change-patient-email"),
        # An admin's keys; check_action offers only the one that applies to the highlight.
        Binding("x", "disable", "Disable", id="disable-patient"),
        Binding("e", "enable", "Enable", id="enable-patient"),
        Binding("E", "erase", "Erase", id="erase-patient"),
        Binding("down", "to_results", "To the list", show=False, id="to-results"),
        Binding("escape", "back", "Back", id="back"),
    ]

    # This screen's own section (app.tcss has the rest of the lookup's).
    DEFAULT_CSS = """
    #patient-detail {
        height: auto;
        max-height: 2;
        color: $text-muted;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.found: tuple[UserView, ...] | None = None
        #: The form core last refused: the next new-patient dialog starts from it.
        #: What was last searched for: only its answer is shown.
        self._query = ""
        #: How a refusal of a call about a patient starts, by the call's group.
        self._refusals: dict[str, str] = {}
        #: An admin may disable, enable and erase patients (read once, on mount).
        self.manages_accounts = False

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label("Find a patient", classes="screen-title")
            yield Input(placeholder="Name, e-mail, phone or date of birth", id="patient-query")
            yield Static(SEARCHING, id="lookup-status", classes="form-hint")
            yield DataTable(id="patients-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="patient-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Patients"
        self.manages_accounts = cast("DoctorbookApp", self.app).can(Permission.USERS_DISABLE)
        show_rows(self.query_one("#patients-table", DataTable), COLUMNS, [], fit=True,
                  least=LEAST)
        self.query_one("#patient-query", Input).focus()
        self._search("")

    # --- searching -------------------------------------------------------------------------

    class PatientsFound(Message):
        """The patients matching `query`."""

        def __init__(self, query: str, patients: list[UserView]) -> None:
            super().__init__()
            self.query = query
            self.patients = tuple(patients)

    def _search(self, query: str) -> None:
        """Search for `query`; a search still on its way is dropped (the call is exclusive)."""
        self._query = query
        self.call(partial(self.PatientsFound, query), patients.find_patients, group=FIND,
                  query=query)

    @on(Input.Changed, "#patient-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#patient-query")
    def _query_submitted(self) -> None:
        if self.found:
            self.action_to_results()
        elif self.found is not None:
            self.action_new_patient()

    def on_patient_lookup_screen_patients_found(self, message: PatientsFound) -> None:
        if message.query != self._query:
            return  # a newer search is on its way
        self.found = message.patients
        self._show()
        self.query_one("#lookup-status", Static).update(
            found_text(len(message.patients), self._query.strip())
        )
        self._highlight_moved()

    def _show(self) -> None:
        table: DataTable[str] = self.query_one("#patients-table", DataTable)
        show_rows(table, COLUMNS, [(str(p.id), patient_cells(p)) for p in self.found or ()],
                  fit=True, least=LEAST)

    def on_resize(self) -> None:
        """The columns were fitted to the width there was: fit them to the new one, after the
        layout (the table's new width is known then)."""
        if self.found is not None:
            self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        table: DataTable[str] = self.query_one("#patients-table", DataTable)
        row = table.cursor_row
        self._show()
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

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
            return (patient is not None and patient.is_active and not patient.has_password
                    and patient.email is not None)
        if action in ("add_email", "change_email"):
            # Until they set a password the desk's record is all there is; then the address is
            # their login, theirs to change.
            return (patient is not None and not patient.has_password
                    and (patient.email is None) == (action == "add_email"))
        if action in ("disable", "enable", "erase"):
            if patient is None or not self.manages_accounts:
                return False
            return action == "erase" or patient.is_active == (action == "disable")
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#patients-table")
    def _highlight_moved(self) -> None:
        self.query_one("#patient-detail", Static).update(detail_text(self.highlighted))
        self.refresh_bindings()

    # --- the e-mail to set a password --------------------------------------------------------

    def action_send_activation(self) -> None:
        patient = self.highlighted
        if patient is not None and not self.query_one("#patient-query", Input).has_focus:
            self._send_activation(patient)

    class ActivationSent(Message):
        """The activation e-mail to `patient` is queued."""

        def __init__(self, patient: UserView) -> None:
            super().__init__()
            self.patient = patient

    def _send_activation(self, patient: UserView) -> None:
        self._about(patient, ACTIVATION, lambda _: self.ActivationSent(patient),
                    accounts.send_activation, refused=f"No activation e-mail sent to "
                    f"{patient.name}", patient_id=patient.id)

    def on_patient_lookup_screen_activation_sent(self, message: ActivationSent) -> None:
        patient = message.patient
        self.notify(f"Activation e-mail sent to {patient.name} <{patient.email}>: its code "
                    "lets them set a password (Forgot password? then I have a code).",
                    markup=False, timeout=10)

    # --- the desk adds (or corrects) an e-mail -------------------------------------------------

    def action_add_email(self) -> None:
        self._set_email("add_email")

    def action_change_email(self) -> None:
        self._set_email("change_email")

    def _set_email(self, action: str) -> None:
        patient = self.highlighted
        if patient is None or not self.check_action(action, ()):
            return

        def saved(view: UserView | None) -> None:
            if view is None:
                return
            sent = (" A code to set their password is on its way." if view.is_active
                    else " Their account is disabled: nothing was sent.")
            self.notify(f"{view.name}'s e-mail is now {view.email}.{sent}", markup=False,
                        timeout=10)
            self._search(self._query)

        self.app.push_screen(PatientEmailDialog(patient), saved)

    # --- calls about one patient's account -----------------------------------------------------

    def _about(
        self,
        patient: UserView,
        kind: str,
        answer: Callable[[Any], Message],
        use_case: Callable[..., object],
        *,
        refused: str,
        **kwargs: Any,
    ) -> None:
        """Ask core for one change about `patient`; its refusal is a warning starting with
        `refused`."""
        group = f"{kind} {patient.id}"
        self._refusals[group] = refused
        # refusable: core's refusal is said here; a login ended meanwhile stays the app's.
        self.call(answer, refusable(use_case), group=group, exclusive=False, **kwargs)

    @on(CallFailed)
    def _refused(self, message: CallFailed) -> None:
        """Core's refusal of a call about a patient is a warning naming them; after a refused
        disable, enable or erase the list is read again. Anything else (the login ended, the
        database went away) goes on to the app."""
        refused = self._refusals.get(message.group)
        if refused is None or message.refusal is None:
            return
        message.stop()
        self.notify(f"{refused}: {message.refusal}.", severity="warning", markup=False,
                    timeout=10)
        if not message.group.startswith(ACTIVATION):
            self._search(self._query)

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

    class AccountChanged(Message):
        """An admin's disable, enable or erase went through: `text` says which."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def _set_active(self, patient: UserView, active: bool, reason: str | None) -> None:
        def changed(view: UserView) -> Message:
            return self.AccountChanged(
                f"{view.name}'s account is enabled again." if active else
                f"{view.name}'s account is disabled: they can't log in, and the desk can "
                "still book for them.")

        self._about(patient, ACCOUNT, changed, accounts.set_patient_active,
                    refused=f"{patient.name}'s account is unchanged", ref=patient.id,
                    active=active, reason=reason)

    def _erase(self, patient: UserView, reason: str) -> None:
        def erased(report: erasure.ErasureReport) -> Message:
            return self.AccountChanged(
                f"{patient.name} is erased: {report.appointments} visit(s) and "
                f"{report.reviews} review(s) stay, anonymous.")

        self._about(patient, ERASE, erased, erasure.erase_patient,
                    refused=f"{patient.name} was not erased", patient_id=patient.id,
                    reason=reason)

    def on_patient_lookup_screen_account_changed(self, message: AccountChanged) -> None:
        self.notify(message.text, markup=False, timeout=10)
        self._search(self._query)

    # --- creating --------------------------------------------------------------------------

    def action_new_patient_typing(self) -> None:
        self.action_new_patient()

    def action_new_patient(self) -> None:
        """The dialog creates the record itself (a refusal is shown there, with what was
        typed); once created, the patient is the one chosen."""

        def created(patient: UserView | None) -> None:
            if patient is None:
                return
            self.notify(created_text(patient), markup=False)
            self.dismiss(patient)

        start = draft_from(self.query_one("#patient-query", Input).value)
        self.app.push_screen(NewPatientDialog(start), created)

    def action_back(self) -> None:
        self.dismiss(None)
