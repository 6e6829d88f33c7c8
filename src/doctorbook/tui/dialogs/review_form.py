"""Review a completed visit: a rating from 1 to 5 stars, an optional comment (at most 2,000
characters, counted as typed) and, optionally, how likely the patient is to recommend the
clinic (0-10).

Dismisses with a `ReviewDraft` when sent (Ctrl+S or the Send button), None when cancelled.
Core checks everything again (and says when the visit was already reviewed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Select, TextArea

from doctorbook.core.feedback.reviews import MAX_COMMENT
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.ratings import stars

TITLE = "Review your visit"
RATING_LABELS = {5: "Excellent", 4: "Good", 3: "Okay", 2: "Poor", 1: "Bad"}
#: Typing the digit in the rating list picks that rating (the labels start with it).
RATING_OPTIONS = tuple((f"{n} {stars(n)} {RATING_LABELS[n]}", n) for n in range(5, 0, -1))
RATING_PROMPT = "Choose 1-5 stars"
NPS_QUESTION = "How likely are you to recommend this clinic? (optional)"
NPS_ENDS = {10: "10 · extremely likely", 0: "0 · not at all likely"}
NPS_OPTIONS = tuple((NPS_ENDS.get(n, str(n)), n) for n in range(10, -1, -1))
NPS_PROMPT = "No answer"
CHOOSE_RATING = "Choose a rating from 1 to 5 stars."


def counter_text(length: int) -> str:
    """'12 / 2,000'."""
    return f"{length:,} / {MAX_COMMENT:,}"


def too_long_text(length: int) -> str:
    return f"The comment is too long: {length:,} characters (at most {MAX_COMMENT:,})."


@dataclass(frozen=True)
class ReviewDraft:
    """What the patient wrote; the comment is None when left empty."""

    rating: int
    comment: str | None
    nps: int | None


class ReviewForm(ModalScreen[ReviewDraft | None]):
    """`about` names the visit, e.g. 'Dr Henry Heart · Tue 17 Nov 14:00 (Europe/Berlin)'.

    Enter starts a new line in the comment, so sending is Ctrl+S or the Send button."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", id="send-review"),
        Binding("escape", "cancel", "Cancel", id="cancel-review"),
    ]

    def __init__(self, *, about: str) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="review-box"):
            yield Static(TITLE, classes="form-title")
            yield Label(self.about, id="review-about", classes="dialog-label", markup=False)
            with Horizontal(classes="review-row"):
                yield Label("Rating", classes="inline-label review-label")
                yield Select[int](RATING_OPTIONS, prompt=RATING_PROMPT, id="review-rating")
            with Horizontal(id="review-comment-row"):
                yield Label("Comment (optional)", classes="dialog-label", id="review-comment-label")
                yield Static(counter_text(0), id="review-counter")
            yield TextArea(id="review-comment", soft_wrap=True, show_line_numbers=False)
            yield Label(NPS_QUESTION, classes="dialog-label", id="review-nps-label")
            with Horizontal(classes="review-row"):
                yield Label("0-10", classes="inline-label review-label")
                yield Select[int](NPS_OPTIONS, prompt=NPS_PROMPT, id="review-nps")
            with Horizontal(classes="form-buttons"):
                yield Button("Send", variant="primary", id="review-send")
                yield Button("Cancel", id="review-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#review-rating", Select).focus()

    @on(TextArea.Changed, "#review-comment")
    def _count(self) -> None:
        length = len(self.query_one("#review-comment", TextArea).text.strip())
        counter = self.query_one("#review-counter", Static)
        counter.update(counter_text(length))
        counter.set_class(length > MAX_COMMENT, "-error")

    @on(Button.Pressed, "#review-send")
    def action_send(self) -> None:
        rating = self.query_one("#review-rating", Select).value
        if not isinstance(rating, int):
            self.notify(CHOOSE_RATING, severity="warning", markup=False)
            self.query_one("#review-rating", Select).focus()
            return
        comment = self.query_one("#review-comment", TextArea).text.strip()
        if len(comment) > MAX_COMMENT:
            self.notify(too_long_text(len(comment)), severity="warning", markup=False)
            self.query_one("#review-comment", TextArea).focus()
            return
        nps = self.query_one("#review-nps", Select).value
        self.dismiss(ReviewDraft(
            rating=rating, comment=comment or None, nps=nps if isinstance(nps, int) else None
        ))

    @on(Button.Pressed, "#review-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
