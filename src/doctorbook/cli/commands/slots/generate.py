"""`doctorbook slots generate [--days 60] [--doctor ID] [--json]`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import EXIT_BAD_INPUT, fail, translate_errors
from doctorbook.cli.ids import id_option
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json, print_table

if TYPE_CHECKING:
    from doctorbook.core.scheduling.slots import GenerationReport


@translate_errors
def generate(
    days: Annotated[int, typer.Option("--days", help="Horizon in days from today.")] = 60,
    doctor: Annotated[
        int | None, id_option("doctor", "--doctor", help="Only this doctor (admins); default: all.")
    ] = None,
    json_output: JsonOutput = False,
) -> None:
    """Create open slots up to the horizon, prune past unused ones; report booked slots the
    schedule no longer has."""
    from doctorbook.core.scheduling import slots

    if not 1 <= days <= slots.MAX_DAYS:
        raise fail(f"--days must be from 1 to {slots.MAX_DAYS}", EXIT_BAD_INPUT)
    core = CliContext.from_env().core
    # A progress bar is for a person watching; cron's logs and --json stay clean.
    if sys.stdout.isatty() and not json_output:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        columns = (TextColumn("Generating slots"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("doctors, {task.fields[created]} slots created"))
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("generate", total=None, created=0)

            def advance(done: int, total: int, created: int) -> None:
                bar.update(task, completed=done, total=total, created=created)

            report = core.run(slots.generate, days=days, doctor_id=doctor, tally=advance)
    else:
        report = core.run(slots.generate, days=days, doctor_id=doctor)
    if json_output:
        print_json(report_json(report))
        return
    print_report(report)


def report_json(report: GenerationReport) -> dict[str, Any]:
    return {
        "days": report.days, "created": report.created, "removed": report.removed,
        "pruned": report.pruned,
        "doctors": [{"doctor_id": d.doctor_id, "created": d.created, "removed": d.removed,
                     "pruned": d.pruned} for d in report.doctors],
        "skipped": [{"doctor_id": i, "reason": why} for i, why in report.skipped],
        "booked_conflicts": [
            {"slot_id": c.slot_id, "doctor_id": c.doctor_id, "starts_at": c.starts_at,
             "ends_at": c.ends_at, "local_start": c.local_start, "reason": c.reason}
            for c in report.conflicts],
    }


def print_report(report: GenerationReport) -> None:
    # One line for cron's log; skipped doctors and booked conflicts follow only when any.
    echo(f"{len(report.doctors)} doctors, {report.days} days: "
         f"{report.created} slots created, {report.removed} open slots removed, "
         f"{report.pruned} past slots pruned")
    for doctor_id, why in report.skipped:
        echo(f"skipped doctor {doctor_id}: {why}")
    if report.conflicts:
        echo(f"{len(report.conflicts)} booked slot(s) are no longer in the schedule; "
             "they were kept, reschedule or cancel them:")
        print_table("Booked slots outside the schedule", ["Slot", "Doctor", "Local start",
                                                          "Why"], [
            [str(c.slot_id), str(c.doctor_id), c.local_start.strftime("%a %Y-%m-%d %H:%M %Z"),
             c.reason] for c in report.conflicts])
