"""Admin: product metrics over a period — the same numbers as `doctorbook metrics` (each rate
with its numerator and denominator), ratings and NPS, and small charts over time.

The period is the last 30 days by default (UTC days, as core counts them); [ and ] move it by
its own length, b buckets the charts per day or per ISO week. The charts are Textual's built-in
`Sparkline` (no plotting dependency), one bar per bucket, scaled to each series' own range.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Sparkline

from doctorbook.core.feedback import metrics as core_metrics
from doctorbook.core.feedback.metrics import DEFAULT_DAYS, Metrics, Nps, RatingSummary
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.widgets.plain import Label, Static

LOADING = "Loading the metrics…"
PERIOD = timedelta(days=DEFAULT_DAYS)
COLUMNS = ("Metric", "Value", "Numerator", "Denominator")
#: Core's rate names, in the order shown, with their labels and what their numerator and
#: denominator count: the words of `doctorbook metrics`, so both read the same.
RATES: tuple[tuple[str, str, str, str], ...] = (
    ("search_ctr", "Search CTR", "opened", "searches"),
    ("booking_conversion", "Booking conversion", "booked from a search", "searches"),
    ("cancellation_rate", "Cancellation rate", "cancelled", "booked"),
    ("late_cancellation_rate", "Late cancellations", "late", "booked"),
    ("no_show_rate", "No-show rate", "no-shows", "done + no-shows"),
    ("email_delivery", "E-mail delivery", "sent", "sent + failed"),
)
#: The charted counts (core's `Counts` fields) and their labels.
SERIES: tuple[tuple[str, str], ...] = (
    ("searches", "Searches"),
    ("bookings", "Bookings"),
    ("cancellations", "Cancellations"),
    ("emails_sent", "E-mails sent"),
    ("emails_failed", "E-mails failed"),
)
BUCKET_WORDS = {"day": "per day", "week": "per week (Mon-Sun)"}


def day_text(day: date) -> str:
    return f"{day:%a %d %b}"


def period_text(metrics: Metrics) -> str:
    """'Metrics · Wed 28 Oct to Tue 24 Nov 2026 · 30 days (UTC) · per day'."""
    days = (metrics.last_day - metrics.first_day).days + 1
    return (
        f"Metrics · {day_text(metrics.first_day)} to {day_text(metrics.last_day)} "
        f"{metrics.last_day:%Y} · {days} days (UTC) · {BUCKET_WORDS[metrics.by]}"
    )


def rate_rows(metrics: Metrics) -> list[tuple[str, str, str, str]]:
    """(metric, value %, '5 opened', '10 searches') per rate, as the CLI prints them."""
    rates = metrics.totals.rates()
    return [
        (label, rates[name].percent(), f"{rates[name].numerator} {top}",
         f"{rates[name].denominator} {bottom}")
        for name, label, top, bottom in RATES
    ]


def ratings_text(ratings: RatingSummary) -> str:
    """'Ratings · 4.3 / 5 from 3 reviews (13 stars) · 5★ 1 · 4★ 2 · 3★ 0 · 2★ 0 · 1★ 0'."""
    if not ratings.count or ratings.average is None:
        return "Ratings · no reviews in this period"
    spread = " · ".join(f"{n}★ {ratings.distribution[n - 1]}" for n in range(5, 0, -1))
    reviews = "review" if ratings.count == 1 else "reviews"
    return (f"Ratings · {ratings.average:.1f} / 5 from {ratings.count} {reviews} "
            f"({ratings.total} stars) · {spread}")


def nps_text(nps: Nps) -> str:
    """'NPS +33.3 · 3 answers: 2 promoters (9-10), 0 passives (7-8), 1 detractor (0-6)'."""
    if nps.score is None:
        return "NPS · no answers in this period"
    answers = "answer" if nps.responses == 1 else "answers"

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return (
        f"NPS {nps.score:+.1f} · {nps.responses} {answers}: "
        f"{count(nps.promoters, 'promoter')} (9-10), {count(nps.passives, 'passive')} (7-8), "
        f"{count(nps.detractors, 'detractor')} (0-6)"
    )


def series(metrics: Metrics, name: str) -> list[float]:
    return [float(getattr(bucket.counts, name)) for bucket in metrics.buckets]


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class MetricsScreen(Screen[None], CoreCalls):
    """Reads the metrics by a call to core; a refusal goes to the app, which says it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("[", "shift(-1)", "Earlier", id="metrics-earlier", key_display="["),
        Binding("]", "shift(1)", "Later", id="metrics-later", key_display="]"),
        # One key, two meanings: the one shown is the bucket the charts are not in.
        Binding("b", "by('week')", "By week", id="metrics-by-week"),
        Binding("b", "by('day')", "By day", id="metrics-by-day"),
        # Off the key bar, so F1 fits in 80 columns with [ and ] (F1 lists it).
        Binding("f5", "refresh", "Refresh", show=False, id="refresh-metrics"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.by = "day"
        #: The period's last day; None: up to today (core's default).
        self.last_day: date | None = None
        self.metrics: Metrics | None = None
        #: Today (UTC), as core saw it at the first answer: the period never goes past it.
        self.today: date | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with VerticalScroll(id="metrics-body", classes="home-body"):
            yield Static(LOADING, id="metrics-period", classes="screen-title", markup=False)
            yield DataTable(id="metrics-table", show_cursor=False, zebra_stripes=True)
            yield Static("", id="metrics-ratings", markup=False)
            yield Static("", id="metrics-nps", markup=False)
            yield Label("Over time", id="metrics-charts-title", classes="section-title")
            with Grid(id="metrics-charts"):
                for name, label in SERIES:
                    yield Label(label, classes="chart-label")
                    yield Sparkline([], id=f"chart-{name}", classes="chart")
                    yield Static("", id=f"chart-{name}-total", classes="chart-total",
                                 markup=False)
                yield Static("", classes="chart-label")
                with Horizontal(id="chart-axis"):
                    yield Static("", id="chart-from", markup=False)
                    yield Static("", id="chart-to", markup=False)
                yield Static("", classes="chart-total")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Metrics"
        table: DataTable[Text] = self.query_one("#metrics-table", DataTable)
        table.can_focus = False
        for header in COLUMNS:
            table.add_column(header, key=header)
        for widget in ("#metrics-charts-title", "#metrics-charts"):
            self.query_one(widget).display = False
        self.query_one("#metrics-body").focus()
        self._reload()

    # --- loading ---------------------------------------------------------------------------

    def _period(self) -> tuple[date | None, date | None]:
        if self.last_day is None:
            return None, None
        return self.last_day - PERIOD + timedelta(days=1), self.last_day

    class MetricsLoaded(Message):
        """The metrics of one period."""

        def __init__(self, metrics: Metrics) -> None:
            super().__init__()
            self.metrics = metrics

    def _reload(self) -> None:
        """Read the metrics again; a read still on its way is dropped (the call is exclusive),
        so a slow answer never replaces a newer one."""
        first, last = self._period()
        self.call(self.MetricsLoaded, core_metrics.compute, first_day=first, last_day=last,
                  by=self.by)

    def on_metrics_screen_metrics_loaded(self, message: MetricsLoaded) -> None:
        metrics = message.metrics
        if self.today is None and self.last_day is None:
            self.today = metrics.last_day
        self.metrics = metrics
        self._show(metrics)
        self.refresh_bindings()

    # --- showing ---------------------------------------------------------------------------

    def _show(self, metrics: Metrics) -> None:
        self.query_one("#metrics-period", Static).update(period_text(metrics))
        table: DataTable[Text] = self.query_one("#metrics-table", DataTable)
        rows = rate_rows(metrics)
        table.clear(columns=True)
        for index, header in enumerate(COLUMNS):
            width = max(len(header), *(len(row[index]) for row in rows))
            table.add_column(header, width=width, key=header)
        for name, row in zip((r[0] for r in RATES), rows, strict=True):
            label, *numbers = row
            table.add_row(Text(label), *(Text(n, justify="right") for n in numbers), key=name)
        self.query_one("#metrics-ratings", Static).update(ratings_text(metrics.ratings))
        self.query_one("#metrics-nps", Static).update(nps_text(metrics.nps))
        self.query_one("#metrics-charts-title", Label).update(
            f"Over time, {BUCKET_WORDS[metrics.by]} (total on the right)"
        )
        totals = metrics.totals
        for name, _label in SERIES:
            self.query_one(f"#chart-{name}", Sparkline).data = series(metrics, name)
            self.query_one(f"#chart-{name}-total", Static).update(str(getattr(totals, name)))
        buckets = metrics.buckets
        # The bars are buckets: a week's is named by its Monday (which may be before the
        # period's first day; only the period's days are counted in it).
        prefix = "week of " if metrics.by == "week" else ""
        self.query_one("#chart-from", Static).update(
            prefix + day_text(buckets[0].start) if buckets else "")
        self.query_one("#chart-to", Static).update(
            prefix + day_text(buckets[-1].start) if len(buckets) > 1 else "")
        for widget in ("#metrics-charts-title", "#metrics-charts"):
            self.query_one(widget).display = True

    # --- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "shift":
            if self.metrics is None:
                return False
            if parameters and parameters[0] == 1:
                return self.today is not None and self.metrics.last_day < self.today
            return True
        if action == "by":
            return bool(parameters) and parameters[0] != self.by
        return True

    def action_shift(self, step: int) -> None:
        """The previous or next period of the same length (never past today)."""
        if self.metrics is None:
            return
        last = self.metrics.last_day + step * PERIOD
        if self.today is not None and last >= self.today:
            self.last_day = None
        else:
            self.last_day = last
        self._reload()

    def action_by(self, by: str) -> None:
        self.by = by
        self.refresh_bindings()
        self._reload()

    def action_refresh(self) -> None:
        self._reload()

    def action_back(self) -> None:
        self.dismiss()
