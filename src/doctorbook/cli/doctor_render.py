"""Rendering a doctor profile for people (a Rich panel) and for scripts (JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from doctorbook.core.doctors import DoctorProfile


def profile_json(profile: DoctorProfile, *, private: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "doctor_id": profile.doctor_id,
        "name": profile.name,
        "specialties": list(profile.specialties),
        "clinic": profile.clinic_name,
        "address": profile.address,
        "city": profile.city,
        "timezone": profile.timezone,
        "price": None if profile.price is None else str(profile.price),
        "currency": profile.currency,
        "bio": profile.bio,
        "rating": profile.rating,
        "review_count": profile.review_count,
        "reviews": [
            {"rating": r.rating, "comment": r.comment, "patient": r.patient_name,
             "created_at": r.created_at.isoformat()} for r in profile.reviews
        ],
        "next_slots": [],
        "status": profile.status,
        "visible": profile.visible,
    }
    if private:
        data.update(
            email=profile.email, missing=list(profile.missing),
            slot_minutes=profile.slot_minutes, lead_minutes=profile.lead_minutes,
            cancel_hours=profile.cancel_hours, auto_confirm=profile.auto_confirm,
        )
    return data


def print_profile(profile: DoctorProfile, *, private: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_header=False, title=profile.name, title_justify="left", box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    price = "—" if profile.price is None else f"{profile.price} {profile.currency}"
    rating = ("No ratings yet" if profile.rating is None
              else f"{profile.rating:.1f} / 5 ({profile.review_count} reviews)")
    rows = [
        ("Specialties", ", ".join(profile.specialties) or "—"),
        ("Clinic", profile.clinic_name or "—"),
        ("Address", profile.address or "—"),
        ("City", profile.city or "—"),
        ("Price", price),
        ("Rating", rating),
        ("About", profile.bio or "—"),
    ]
    if private:
        rows += [
            ("Timezone", profile.timezone or "—"),
            ("Slots", f"{profile.slot_minutes} min, booked at least {profile.lead_minutes} min "
                      f"ahead, cancellable until {profile.cancel_hours} h before"),
            ("Auto-confirm", "yes" if profile.auto_confirm else "no"),
            ("Status", profile.status),
        ]
    for label, value in rows:
        table.add_row(label, value)
    Console().print(table)
    if private:
        if profile.visible:
            typer.echo("Your profile is visible to patients.")
        elif profile.missing:
            typer.echo("Not yet visible to patients; missing: " + ", ".join(profile.missing))
        else:
            typer.echo(f"Not visible to patients: the account is {profile.status}.")
    elif not profile.reviews:
        typer.echo("No reviews yet.")
