"""`doctorbook doctors show ID [--date D] [--page N]`: a doctor's public profile, ratings and
reviews, and a week of open slots."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.doctor_render import print_profile, print_reviews, print_week, profile_json
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import print_json

#: Far past any real last page, yet its offset stays well inside SQL's bigint.
MAX_PAGE = 1_000_000


@translate_errors
def show(
    doctor_id: Annotated[int, id_argument("doctor", help="The doctor's id (from search).")],
    on: Annotated[str | None, typer.Option(
        "--date", help="First day of the week of open slots, YYYY-MM-DD (default: today in "
                       "the clinic's timezone).")] = None,
    page: Annotated[int, typer.Option(
        "--page", metavar="N", help="Which page of reviews, newest first (10 a page).",
        min=1, max=MAX_PAGE)] = 1,
    search_id: Annotated[str | None, typer.Option(
        "--search-id", metavar="ID",
        help="The `search_id` of the `search --json` this doctor was picked from (counts the "
             "click for metrics).")] = None,
    json_output: JsonOutput = False,
) -> None:
    """Show a doctor's profile: specialties, clinic, price, rating, reviews and a week of open
    slots."""
    from doctorbook.core.base.events import parse_search_id
    from doctorbook.core.booking import search as core_search
    from doctorbook.core.scheduling.schedule import parse_date

    # Bad input is refused before anything connects or asks who you are (exit 2, one line).
    first_day = parse_date(on, "--date")
    opened_from = parse_search_id(search_id)
    # On the hot standby when there is one (the click's event goes to the primary).
    shown = CliContext.from_env().core.run_read_as_anyone(
        core_search.doctor_page, doctor_id=doctor_id, search_id=opened_from, page=page,
        first_day=first_day)
    if json_output:
        print_json(profile_json(shown.profile, private=False, week=shown.week,
                                ratings=shown.ratings))
        return
    print_profile(shown.profile, private=False)
    print_reviews(shown.ratings)
    print_week(shown.week)
