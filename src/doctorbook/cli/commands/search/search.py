"""`doctorbook search [--specialty S] [--city C] [--name T]`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import print_json, print_table


@translate_errors
def search(
    specialty: Annotated[str | None, typer.Option("--specialty", help="A specialty.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="A city.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Part of the doctor's name.")] = None,
    json_output: JsonOutput = False,
) -> None:
    """Find doctors by specialty, city and name (no login needed)."""
    from doctorbook.core import search as core_search

    ctx = CliContext.from_env()
    with ctx.db.unit_of_work() as uow:
        results = core_search.search(uow, specialty=specialty, city=city, name=name)
    if json_output:
        print_json({"results": [
            {"doctor_id": r.doctor_id, "name": r.name, "specialties": list(r.specialties),
             "clinic": r.clinic, "city": r.city, "price": str(r.price), "currency": r.currency,
             "rating": r.rating, "review_count": r.review_count,
             "next_slots": [{"slot_id": s.slot_id, "starts_at": s.starts_at.isoformat()}
                            for s in r.next_slots]}
            for r in results
        ]})
        return
    if not results:
        typer.echo("No doctors match. Try fewer filters, or `doctorbook specialties list`.")
        return
    print_table("Doctors", ["ID", "Name", "Specialties", "Clinic", "City", "Price"],
                [[str(r.doctor_id), r.name, ", ".join(r.specialties), r.clinic, r.city,
                  f"{r.price} {r.currency}"] for r in results])
