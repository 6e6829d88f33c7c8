"""`doctorbook search [--specialty S] [--city C] [--date D] [--name T] [--slots N]`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.doctor_render import slot_label, slots_json
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, literal, print_json

if TYPE_CHECKING:
    from doctorbook.core.booking.search import SearchResult


@translate_errors
def search(
    specialty: Annotated[str | None, typer.Option("--specialty", help="A specialty.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="A city.")] = None,
    on: Annotated[str | None, typer.Option(
        "--date", help="Only doctors with an open slot on or after this date, YYYY-MM-DD "
                       "(in each clinic's timezone).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Part of the doctor's name.")] = None,
    slots: Annotated[int, typer.Option(
        "--slots", help="Next open slots to list per doctor, 0-10.")] = 3,
    json_output: JsonOutput = False,
) -> None:
    """Find doctors by specialty, city, date and name, with their next open slots (no login
    needed)."""
    from doctorbook.core.booking import search as core_search
    from doctorbook.core.scheduling.availability import check_slot_count
    from doctorbook.core.scheduling.schedule import parse_date

    # Bad input is refused before the database is opened (exit 2, one line).
    day = parse_date(on, "--date")
    check_slot_count(slots)
    # On the hot standby when there is one (the event goes to the primary): see run_read.
    search_id, results = CliContext.from_env().core.run_read(
        core_search.search_recorded, specialty=specialty, city=city, name=name, date=day,
        slots=slots)
    if json_output:
        # `search_id` goes back with `doctors show --search-id` and `book --search-id`.
        print_json({"search_id": str(search_id), "results": [
            {"doctor_id": r.doctor_id, "name": r.name, "specialties": list(r.specialties),
             "clinic": r.clinic, "city": r.city, "timezone": r.timezone, "price": str(r.price),
             "currency": r.currency, "rating": r.rating, "review_count": r.review_count,
             "next_slots": slots_json(r.next_slots)}
            for r in results
        ]})
        return
    if not results:
        hint = " on or after that date" if day else ""
        echo(f"No doctors match{hint}. Try fewer filters, or `doctorbook specialties list`.")
        return
    _print_results(results, with_slots=slots > 0)


def _print_results(results: list[SearchResult], *, with_slots: bool) -> None:
    """One row per doctor; the next slots stacked in one cell, each on its own line, in the
    clinic's local time (so a New York slot reads as New York's 09:00 from anywhere)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Doctors", header_style="bold", show_lines=with_slots)
    for column in ("ID", "Name", "Specialties", "Clinic, city", "Price"):
        table.add_column(column, overflow="fold")
    if with_slots:
        table.add_column("Next slots (#id)", no_wrap=True)
    for r in results:
        # Names, specialties and the clinic are people's text: literal, one line each; the
        # line breaks in these cells are ours.
        label = literal(r.name)
        if r.rating is not None:
            label.append(f"\n{r.rating:.1f} \u2605 ({r.review_count})")
        row: list[str | Text] = [
            str(r.doctor_id), label, literal(", ".join(r.specialties)),
            literal(f"{r.clinic}, {r.city}"), literal(f"{r.price} {r.currency}")]
        if with_slots:
            row.append(Text("\n".join(slot_label(s, with_day=True) for s in r.next_slots)
                            or "none open"))
        table.add_row(*row)
    Console().print(table)
