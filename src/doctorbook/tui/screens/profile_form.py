"""The doctor edits their profile; it becomes visible to patients once complete."""

from __future__ import annotations

import functools
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Header, Input, Switch, TextArea

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.doctors import doctors
from doctorbook.core.doctors.doctors import DoctorProfile
from doctorbook.core.doctors.specialties import SpecialtyView, list_specialties
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.messages import ProfileChanges
from doctorbook.tui.text import printable
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.specialty_picker import SpecialtyPicker

LOADING = "Loading your profile…"
#: The call that saves the form (a change: a second save must not silence the first).
SAVE = "save"
#: Core's names of the required fields, as the form labels them.
FIELD_LABELS = {
    "specialties": "specialties",
    "clinic_name": "clinic",
    "city": "city",
    "timezone": "timezone",
    "price": "price",
}
TEXT_FIELDS = ("clinic_name", "address", "city", "timezone", "price")
NUMBER_FIELDS = {
    "slot_minutes": "Slot minutes",
    "lead_minutes": "Lead minutes",
    "cancel_hours": "Cancel hours",
}


@functools.cache
def _timezones() -> list[str]:
    import zoneinfo

    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def visibility_text(profile: DoctorProfile) -> str:
    if profile.visible:
        return "Your profile is visible to patients."
    if profile.missing:
        missing = ", ".join(FIELD_LABELS.get(f, f) for f in profile.missing)
        return f"Not yet visible to patients; missing: {missing}."
    return f"Not visible to patients: the account is {profile.status}."


def own_profile_and_taxonomy(
    uow: UnitOfWork, *, actor: Actor
) -> tuple[DoctorProfile, list[SpecialtyView]]:
    """The doctor's profile form: their profile and the specialties to pick from."""
    return doctors.own_profile(uow, actor=actor), list_specialties(uow)


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class ProfileFormScreen(Screen[None], CoreCalls):
    """Reads the profile when shown; sets `specialties`, then `profile` (which fills the form,
    and again after saving)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "back", "Back", id="back"),
    ]

    profile: reactive[DoctorProfile | None] = reactive(None, init=False)
    specialties: tuple[SpecialtyView, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with VerticalScroll(id="profile-body", classes="home-body"):
            yield Label("My profile", classes="screen-title")
            yield Static(LOADING, id="profile-status", markup=False)
            with Grid(classes="profile-grid"):
                yield Label("Clinic", classes="form-label")
                yield FieldInput(placeholder="clinic or practice name", id="clinic_name")
                yield Label("Address", classes="form-label")
                yield FieldInput(placeholder="street and number", id="address")
                yield Label("City", classes="form-label")
                yield FieldInput(placeholder="where patients come to see you", id="city")
                yield Label("Timezone", classes="form-label")
                yield FieldInput(
                    placeholder="e.g. Europe/Berlin (→ completes)", id="timezone",
                    suggester=SuggestFromList(_timezones(), case_sensitive=False),
                )
                yield Label("Price", id="price-label", classes="form-label")
                yield FieldInput(placeholder="per visit, e.g. 80.00", type="number", id="price")
                yield Label("Specialties", classes="form-label")
                yield SpecialtyPicker(id="specialties")
                yield Label("About", classes="form-label")
                yield TextArea(id="bio", soft_wrap=True, show_line_numbers=False)
                for field, label in NUMBER_FIELDS.items():
                    yield Label(label, classes="form-label")
                    yield FieldInput(type="integer", id=field)
                yield Label("Auto-confirm", classes="form-label")
                yield Switch(id="auto_confirm")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="save")
            yield Static(
                "Slot minutes: length of a visit. Lead minutes: how early patients must book. "
                "Cancel hours: until when they may cancel. Auto-confirm: bookings need no "
                "confirmation by you.",
                classes="form-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "My profile"
        self.call(self.ProfileLoaded, own_profile_and_taxonomy)
        self.query_one("#clinic_name", Input).focus()

    # --- calls to core ----------------------------------------------------------------------

    class ProfileLoaded(Message):
        """The doctor's own profile, with the taxonomy to pick specialties from."""

        def __init__(self, loaded: tuple[DoctorProfile, list[SpecialtyView]]) -> None:
            super().__init__()
            self.profile, taxonomy = loaded
            self.specialties = tuple(taxonomy)

    class ProfileSaved(Message):
        """The doctor's profile was updated."""

        def __init__(self, profile: DoctorProfile) -> None:
            super().__init__()
            self.profile = profile

    def on_profile_form_screen_profile_loaded(self, message: ProfileLoaded) -> None:
        self.specialties = message.specialties
        self.profile = message.profile

    def on_profile_form_screen_profile_saved(self, message: ProfileSaved) -> None:
        self.profile = message.profile
        self.notify(f"Profile saved. {visibility_text(message.profile)}", markup=False)

    def _save(self, changes: ProfileChanges) -> None:
        self.call(
            self.ProfileSaved, doctors.update_profile, group=SAVE, exclusive=False,
            bio=changes.bio, price=changes.price, clinic_name=changes.clinic_name,
            address=changes.address, city=changes.city, timezone=changes.timezone,
            specialty_names=list(changes.specialty_names), slot_minutes=changes.slot_minutes,
            lead_minutes=changes.lead_minutes, cancel_hours=changes.cancel_hours,
            auto_confirm=changes.auto_confirm,
        )

    def watch_profile(self, profile: DoctorProfile | None) -> None:
        if profile is None:
            return
        self.query_one("#profile-status", Static).update(visibility_text(profile))
        self.query_one("#profile-status").set_class(profile.visible, "-visible")
        self.query_one("#price-label", Label).update(f"Price ({profile.currency})")
        values = {
            "clinic_name": profile.clinic_name, "address": profile.address,
            "city": profile.city, "timezone": profile.timezone,
            "price": None if profile.price is None else str(profile.price),
            "slot_minutes": str(profile.slot_minutes),
            "lead_minutes": str(profile.lead_minutes),
            "cancel_hours": str(profile.cancel_hours),
        }
        for field, value in values.items():
            self.query_one(f"#{field}", Input).value = printable(value or "")
        self.query_one("#bio", TextArea).text = printable(profile.bio or "", multiline=True)
        self.query_one("#auto_confirm", Switch).value = profile.auto_confirm
        self.query_one(SpecialtyPicker).show(self.specialties, profile.specialties)

    def _changes(self) -> ProfileChanges | None:
        """The form as core takes it, or None (after a notification) if a number is missing."""
        numbers: dict[str, int] = {}
        for field, label in NUMBER_FIELDS.items():
            box = self.query_one(f"#{field}", Input)
            try:
                numbers[field] = int(box.value)
            except ValueError:
                self.notify(f"{label}: enter a whole number.", severity="error")
                box.focus()
                return None
        text = {f: self.query_one(f"#{f}", Input).value for f in TEXT_FIELDS}
        return ProfileChanges(
            bio=self.query_one("#bio", TextArea).text,
            price=text["price"],
            clinic_name=text["clinic_name"],
            address=text["address"],
            city=text["city"],
            timezone=text["timezone"],
            specialty_names=self.query_one(SpecialtyPicker).names,
            slot_minutes=numbers["slot_minutes"],
            lead_minutes=numbers["lead_minutes"],
            cancel_hours=numbers["cancel_hours"],
            auto_confirm=self.query_one("#auto_confirm", Switch).value,
        )

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.profile is None:
            self.notify("Your profile is still loading.", severity="warning")
            return
        changes = self._changes()
        if changes is not None:
            self._save(changes)

    def action_back(self) -> None:
        self.dismiss()
