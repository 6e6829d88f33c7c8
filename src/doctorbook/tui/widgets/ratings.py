"""A doctor's ratings on their profile: the average and count, a 5-to-1 distribution with bars,
and one page of reviews, newest first (stars, the patient's first name, the visit's month).

Comments are patients' own text: they are shown as plain text, never as markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive

from doctorbook.core.feedback.reviews import Ratings, ReviewEntry
from doctorbook.tui.text import printable
from doctorbook.tui.widgets.plain import Static

NO_REVIEWS = "No reviews yet."
LOADING = "Loading reviews…"
#: The distribution's bars are this many cells at most (the most common rating's bar).
BAR_WIDTH = 20
STAR_STYLE = "$warning"
MUTED_STYLE = "$foreground-muted"
#: The keys of the previous (newer) and next (older) page, as the key bar shows them.
NEWER_KEY = "["
OLDER_KEY = "]"


def stars(rating: int) -> str:
    """'★★★★☆' for 4."""
    return "★" * rating + "☆" * (5 - rating)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(ratings: Ratings | None) -> Content:
    """'★ 4.3 / 5 · 12 reviews', or that there are none yet."""
    if ratings is None:
        return Content(LOADING)
    if ratings.average is None:
        return Content(NO_REVIEWS)
    return Content.assemble(
        ("★ ", STAR_STYLE), (f"{ratings.average:.1f}", "bold"), " / 5 · ",
        plural(ratings.count, "review"),
    )


def distribution(ratings: Ratings) -> Content:
    """Five lines, 5 stars first: '5 ★ ██████████░░░░░░░░░░  8'."""
    most = max(ratings.distribution) or 1
    width = len(str(most))
    lines = []
    for rating in range(5, 0, -1):
        count = ratings.distribution[rating - 1]
        filled = round(BAR_WIDTH * count / most)
        if count and not filled:
            filled = 1  # a rating given at all shows at least one cell
        lines.append(Content.assemble(
            f"{rating} ", ("★", STAR_STYLE), " ", ("█" * filled, "$primary"),
            ("░" * (BAR_WIDTH - filled), MUTED_STYLE), f" {count:>{width}}",
        ))
    return Content("\n").join(lines)


def review(entry: ReviewEntry) -> Content:
    """'★★★★☆  Ana · verified visit · November 2026', then the comment on its own lines."""
    head = Content.assemble(
        (stars(entry.rating), STAR_STYLE), "  ", (printable(entry.first_name), "bold"),
        (f" · verified visit · {entry.visit_month}", MUTED_STYLE),
    )
    if not entry.comment:
        return head
    return Content.assemble(head, "\n", Content(printable(entry.comment, multiline=True)))


def page_line(ratings: Ratings) -> str:
    """'Page 1 of 3 · ] older reviews', or nothing when they fit on one page."""
    if ratings.pages <= 1:
        return ""
    keys = []
    if ratings.page > 1:
        keys.append(f"{NEWER_KEY} newer reviews")
    if ratings.page < ratings.pages:
        keys.append(f"{OLDER_KEY} older reviews")
    return " · ".join([f"Page {ratings.page} of {ratings.pages}", *keys])


class RatingsPanel(Vertical):
    """Shows `ratings`, which the screen sets; None means still loading."""

    ratings: reactive[Ratings | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Static(summary(None), id="ratings-summary")
        yield Static("", id="ratings-distribution")
        yield Vertical(id="reviews-list")
        yield Static("", id="reviews-page", classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#ratings-distribution").display = False
        self.query_one("#reviews-page").display = False

    def watch_ratings(self, ratings: Ratings | None) -> None:
        self.query_one("#ratings-summary", Static).update(summary(ratings))
        bars = self.query_one("#ratings-distribution", Static)
        bars.display = ratings is not None and ratings.count > 0
        if ratings is not None and ratings.count:
            bars.update(distribution(ratings))
        listed = self.query_one("#reviews-list", Vertical)
        listed.remove_children()
        if ratings is not None:
            listed.mount_all(Static(review(r), classes="review") for r in ratings.reviews)
        pages = self.query_one("#reviews-page", Static)
        pages.update(page_line(ratings) if ratings is not None else "")
        pages.display = ratings is not None and ratings.pages > 1
