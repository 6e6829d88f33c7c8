"""Find a doctor by specialty, city and name; Enter on a result opens the doctor's profile.

Each search is recorded (core's `search_recorded`); the screen keeps the id of the one shown and
hands it to the profile it opens, so opening and booking are counted against that search. A search's
results are read on the hot standby when there is one (`as_="read"`): a slot taken a moment ago
may still show there, and booking it is refused by the primary. Refreshes after a change read
the primary, which has it."""

from __future__ import annotations

import uuid
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select

from doctorbook.core.base import live
from doctorbook.core.base.live import Changes
from doctorbook.core.booking import search
from doctorbook.core.booking.search import SearchResult
from doctorbook.core.doctors.specialties import SpecialtyView, list_specialties
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.messages import SearchQuery
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen, format_price
from doctorbook.tui.text import literal
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import (
    MAX_WIDTH,
    item_at_cursor,
    room_for,
    show_rows,
    show_rows_keeping_cursor,
)

SEARCHING = "Searching…"
#: Most telling first. Every column stays on screen at 80 columns (long names cut short);
#: the line under the table shows the highlighted doctor whole.
COLUMNS = ("Name", "Price", "Next slot", "Specialties", "City", "Clinic")
#: Narrower than this (80 columns), the clinic is left to the line under the table, so that
#: the city and the specialties get room.
CLINIC_ROOM = 100
#: What the columns keep when the table is narrow: the price and the next slot whole, enough
#: of the name to tell doctors apart; the rest share what is left.
LEAST = {"Name": 22, "Price": MAX_WIDTH, "Next slot": MAX_WIDTH}


def next_slot(result: SearchResult) -> str:
    """The first open slot in the clinic's own time (slots carry its offset), or a dash."""
    if not result.next_slots:
        return "—"
    return f"{result.next_slots[0].starts_at:%d %b %H:%M}"


def detail_text(result: SearchResult | None) -> str:
    """The highlighted doctor whole, what the row cut short; the next slot with its zone."""
    if result is None:
        return ""
    soonest = (f"next slot {result.next_slots[0].starts_at:%a %d %b %H:%M} ({result.timezone})"
               if result.next_slots else "no open slot soon")
    return (f"{result.name} · {', '.join(result.specialties) or '—'} · {result.clinic}, "
            f"{result.city} · {format_price(result.price, result.currency)} · {soonest}")


def found_text(count: int) -> str:
    if count == 0:
        return "No doctor matches these filters."
    found = f"{count} doctor{'s' if count != 1 else ''} found"
    return f"{found}. Tab to the list; Enter opens a profile."


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class SearchScreen(Screen[None], CoreCalls):
    """Reads `specialties` (for the filter), then searches whenever the filters change:
    `search_id` and then `results` (of `search_query`) are set when its answer comes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
    ]

    specialties: reactive[tuple[SpecialtyView, ...] | None] = reactive(None, init=False)
    results: reactive[tuple[SearchResult, ...] | None] = reactive(None, init=False)

    def __init__(self) -> None:
        super().__init__()
        #: The filters of the last search asked for: only its results are shown.
        self.search_query = SearchQuery()
        #: The recorded search whose results are shown (None until they are).
        self.search_id: uuid.UUID | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label("Find a doctor", classes="screen-title")
            with Horizontal(id="search-filters"):
                yield Select[str](
                    [], prompt="Any specialty", id="specialty", allow_blank=True
                )
                yield Input(placeholder="City", id="city")
                yield Input(placeholder="Name contains", id="name")
            yield Static(SEARCHING, id="search-status", classes="form-hint")
            yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
            yield Static("", id="search-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Search doctors"
        show_rows(self.query_one("#results", DataTable), COLUMNS, [])
        self.call(self.SpecialtiesLoaded, list_specialties, as_="open")
        self._search()
        self.query_one("#specialty", Select).focus()

    def _filters(self) -> SearchQuery:
        specialty = self.query_one("#specialty", Select).value
        return SearchQuery(
            specialty=specialty if isinstance(specialty, str) else None,
            city=self.query_one("#city", Input).value.strip(),
            name=self.query_one("#name", Input).value.strip(),
        )

    # --- calls to core ----------------------------------------------------------------------

    class SpecialtiesLoaded(Message):
        """The taxonomy, for the specialty filter."""

        def __init__(self, specialties: list[SpecialtyView]) -> None:
            super().__init__()
            self.specialties = tuple(specialties)

    class DoctorsFound(Message):
        """A search of `query` ran. `search_id` names the recorded search: opening a result
        or booking from it passes it on."""

        def __init__(
            self, query: SearchQuery, found: tuple[uuid.UUID | None, list[SearchResult]]
        ) -> None:
            super().__init__()
            self.query = query
            self.search_id, results = found
            self.results = tuple(results)

    def refresh_data(self, changes: Changes) -> None:
        """The next free slots shown may have been taken or freed: search again (the same
        filters; a search still on its way is dropped)."""
        shown = [r.doctor_id for r in self.results or ()]
        query, search_id = self.search_query, self.search_id
        if not shown or not (changes.touches(live.DOCTORS, *shown)
                             or changes.touches(live.SLOTS, *shown)):
            return
        # The same search shown again, not a new one: the metrics count searches people made.
        # From the primary: the hot standby may not have replayed the change just announced,
        # and nothing would announce it again.
        self.call(lambda found: self.DoctorsFound(query, (search_id, found)), search.search,
                  as_="open", group="search_recorded", specialty=query.specialty,
                  city=query.city, name=query.name)

    def _search(self) -> None:
        """Search with the filters as they are now (a search still on its way is dropped).
        Recorded (search_shown): a profile opened or a booking made from these results names
        the search, for the click-through and conversion metrics."""
        query = self.search_query = self._filters()
        self.query_one("#search-status", Static).update(SEARCHING)
        self.call(partial(self.DoctorsFound, query), search.search_recorded, as_="read",
                  specialty=query.specialty, city=query.city, name=query.name)

    def on_search_screen_specialties_loaded(self, message: SpecialtiesLoaded) -> None:
        self.specialties = message.specialties

    def on_search_screen_doctors_found(self, message: DoctorsFound) -> None:
        if message.query != self.search_query:
            return  # the filters have changed since: a newer search is on its way
        self.search_id = message.search_id
        self.results = message.results

    @on(Input.Submitted)
    def _search_from_field(self) -> None:
        self._search()

    @on(Select.Changed, "#specialty")
    def _specialty_changed(self) -> None:
        if self._filters() != self.search_query:
            self._search()

    def watch_specialties(self, specialties: tuple[SpecialtyView, ...] | None) -> None:
        select: Select[str] = self.query_one("#specialty", Select)
        chosen = select.value
        names = [s.name for s in specialties or ()]
        with select.prevent(Select.Changed):
            select.set_options((literal(name), name) for name in names)
            if isinstance(chosen, str) and chosen in names:
                select.value = chosen

    def watch_results(self, results: tuple[SearchResult, ...] | None) -> None:
        rows = [
            (str(r.doctor_id), (r.name, format_price(r.price, r.currency), next_slot(r),
                                ", ".join(r.specialties), r.city, r.clinic))
            for r in results or ()
        ]
        table: DataTable[str] = self.query_one("#results", DataTable)
        shown = len(COLUMNS) if room_for(table, len(rows)) >= CLINIC_ROOM else -1
        show_rows_keeping_cursor(table, COLUMNS[:shown],
                                 [(key, cells[:shown]) for key, cells in rows],
                                 fit=True, least=LEAST)
        if results is not None:
            self.query_one("#search-status", Static).update(found_text(len(results)))
        self._show_detail()

    def on_resize(self) -> None:
        """The columns were fitted to the width there was: fit them to the new one."""
        # After the layout (the table's new width is known then), what is shown then.
        self.call_after_refresh(lambda: self.watch_results(self.results))

    @on(DataTable.RowHighlighted, "#results")
    def _show_detail(self) -> None:
        table: DataTable[str] = self.query_one("#results", DataTable)
        shown = item_at_cursor(table, self.results, lambda r: str(r.doctor_id))
        self.query_one("#search-detail", Static).update(detail_text(shown))

    @on(DataTable.RowSelected, "#results")
    def _open_profile(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(
                DoctorProfileScreen(int(event.row_key.value), search_id=self.search_id)
            )

    def action_back(self) -> None:
        self.dismiss()
