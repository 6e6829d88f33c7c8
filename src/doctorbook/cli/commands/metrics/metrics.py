"""`doctorbook metrics [--from D] [--to D] [--by day|week] [--json]` (admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import EXIT_BAD_INPUT, fail, translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json

if TYPE_CHECKING:
    from doctorbook.core.feedback.metrics import Metrics

#: Each rate's label and what its numerator and denominator count, in the core's order.
RATES = {
    "search_ctr": ("Search CTR", "opened", "searches"),
    "booking_conversion": ("Booking conversion", "booked from a search", "searches"),
    "cancellation_rate": ("Cancellation rate", "cancelled", "booked"),
    "late_cancellation_rate": ("Late cancellations", "late", "booked"),
    "no_show_rate": ("No-show rate", "no-shows", "done + no-shows"),
    "email_delivery": ("E-mail delivery", "sent", "sent + failed"),
}


@translate_errors
def metrics(
    first: Annotated[str | None, typer.Option(
        "--from", metavar="YYYY-MM-DD",
        help="First day, inclusive (default: 29 days before --to).")] = None,
    last: Annotated[str | None, typer.Option(
        "--to", metavar="YYYY-MM-DD", help="Last day, inclusive (default: today).")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="day|week",
        help="Also list the counts per day or per ISO week (Monday first).")] = None,
    json_output: JsonOutput = False,
) -> None:
    """Search CTR, booking conversion, cancellations, no-shows, e-mail delivery, ratings and
    NPS over a period of UTC days (admin). Every rate shows its numerator and denominator."""
    from datetime import UTC

    from doctorbook.core.feedback import metrics as core_metrics
    from doctorbook.core.scheduling.schedule import parse_date

    # Bad input is refused before anything connects or asks who you are (exit 2, one line).
    first_day = parse_date(first, "--from")
    last_day = parse_date(last, "--to")
    if by is not None and by not in core_metrics.BUCKETS:
        raise fail(f"--by must be day or week, not {by!r}", EXIT_BAD_INPUT)
    ctx = CliContext.from_env()
    core_metrics.period(first_day, last_day, ctx.clock.now().astimezone(UTC).date())
    result = ctx.core.run(core_metrics.compute, first_day=first_day, last_day=last_day,
                          by=by or "day")
    if json_output:
        print_json(result.to_json())
        return
    _print_metrics(result)
    if by is not None:
        _print_buckets(result)


def _print_metrics(result: Metrics) -> None:
    """One row per metric: its value, then what it was computed from (fits 80 columns)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Metrics, {result.first_day} to {result.last_day} (UTC days)",
                  title_justify="left", header_style="bold")
    table.add_column("Metric", no_wrap=True)
    table.add_column("Value", justify="right", no_wrap=True)
    table.add_column("Numerator", justify="right", overflow="fold")
    table.add_column("Denominator", justify="right", overflow="fold")
    for name, ratio in result.totals.rates().items():
        label, top, bottom = RATES.get(name, (name, "", ""))
        table.add_row(label, ratio.percent(), f"{ratio.numerator} {top}".strip(),
                      f"{ratio.denominator} {bottom}".strip())
    ratings, nps = result.ratings, result.nps
    average = "n/a" if ratings.average is None else f"{ratings.average:.1f} / 5"
    table.add_row("Average rating", average, f"{ratings.total} stars",
                  f"{ratings.count} reviews")
    score = "n/a" if nps.score is None else f"{nps.score:+.1f}"
    table.add_row("NPS", score, f"{nps.promoters} pro - {nps.detractors} det",
                  f"{nps.responses} responses")
    Console().print(table)
    echo("Ratings by stars: " + "  ".join(
        f"{stars}\u2605 {ratings.distribution[stars - 1]}" for stars in range(5, 0, -1)))
    echo(f"NPS answers: {nps.promoters} promoters (9-10), {nps.passives} passives (7-8), "
         f"{nps.detractors} detractors (0-6)")


def _print_buckets(result: Metrics) -> None:
    """The counts per day or week, one compact row each."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Per {result.by} (UTC)", title_justify="left", header_style="bold")
    table.add_column("Week of" if result.by == "week" else "Day", no_wrap=True)
    for column in ("Searches", "Opens", "Bookings", "Cancels", "Sent", "Failed"):
        table.add_column(column, justify="right", no_wrap=True)
    for bucket in result.buckets:
        c = bucket.counts
        table.add_row(bucket.start.isoformat(), *(str(n) for n in (
            c.searches, c.opens, c.bookings, c.cancellations, c.emails_sent, c.emails_failed)))
    Console().print(table)
