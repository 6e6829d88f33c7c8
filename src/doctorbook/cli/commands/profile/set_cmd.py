"""`doctorbook profile set`: change some fields of your doctor profile."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.doctor_render import print_profile
from doctorbook.cli.errors import translate_errors


@translate_errors
def set_profile(
    bio: Annotated[str | None, typer.Option("--bio", help="About you, for patients.")] = None,
    price: Annotated[
        str | None, typer.Option("--price", help="Price of a visit, e.g. 80 or 79.50.")
    ] = None,
    clinic: Annotated[str | None, typer.Option("--clinic", help="Clinic name.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Street address.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="City.")] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="IANA timezone, e.g. Europe/Berlin.")
    ] = None,
    specialty: Annotated[
        list[str] | None,
        typer.Option("--specialty", help="A specialty (repeat; replaces the current list)."),
    ] = None,
    slot_minutes: Annotated[
        int | None, typer.Option("--slot-minutes", help="Length of a slot (5-480).")
    ] = None,
    lead_minutes: Annotated[
        int | None, typer.Option("--lead-minutes", help="Book at least this far ahead.")
    ] = None,
    cancel_hours: Annotated[
        int | None, typer.Option("--cancel-hours", help="Patients may cancel until then.")
    ] = None,
    auto_confirm: Annotated[
        bool | None,
        typer.Option("--auto-confirm/--no-auto-confirm", help="Confirm bookings at once."),
    ] = None,
) -> None:
    """Set profile fields; only those you give change. Complete ones make you visible."""
    from doctorbook.core.doctors import doctors

    changes: dict[str, Any] = {
        key: value for key, value in {
            "bio": bio, "price": price, "clinic_name": clinic, "address": address,
            "city": city, "timezone": timezone, "specialty_names": specialty,
            "slot_minutes": slot_minutes, "lead_minutes": lead_minutes,
            "cancel_hours": cancel_hours, "auto_confirm": auto_confirm,
        }.items() if value is not None
    }
    profile = CliContext.from_env().core.run(doctors.update_profile, **changes)
    print_profile(profile, private=True)
