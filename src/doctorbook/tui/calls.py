"""How a screen runs a core use case off the event loop and hears back, as a message.

A screen (or dialog, or widget) that mixes in `CoreCalls` runs a use case with

    self.call(DayLoaded, dayview.day_slots, doctor_id=7, day=day)

The use case runs in a thread worker, through the app's one way into core (`app.core`: the
logged-in user's login, one unit of work, one commit). When it returns, `DayLoaded(result)` is
posted to the screen, on the event loop. When it fails, `CallFailed` is posted to the screen
and bubbles to the app, which turns it into a notification, a wait for the database or the
login form; a screen that wants to react first (read its list again after a refused change,
show a form's refusal inline) handles `CallFailed` on its way up and may stop it.

Calls are exclusive per screen and group (the use case's name unless given): a newer call
replaces one still running, whose result is then never posted. That is what keeps a quick
"next day, next day" from showing an older day last. Changes pass `exclusive=False`: a
second booking must not silence the first one's answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, WorkerState

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import AuthenticationError, DoctorbookError

if TYPE_CHECKING:
    from doctorbook.core.boundary import Core

R = TypeVar("R")

#: How the call presents itself to core: as the logged-in user ("user"), as whoever is
#: there, maybe nobody ("anyone": public reads), or with no actor at all ("open": log in,
#: codes from e-mails, public lists). "read" (no actor) and "read_user" (the logged-in user)
#: run a use case that only reads, on the hot standby when there is one (`Core.run_read`):
#: search and doctors' profiles, never what must show the user's own change at once.
As = Literal["user", "anyone", "open", "read", "read_user"]

#: Who called, as a failure is handled (the app ends the login on an AuthenticationError of
#: a call as the user): where the call read from is no matter there.
_CALLER: dict[str, As] = {"read": "open", "read_user": "user"}


class Refused(Exception):
    """A use case's own refusal (a wrong code, a duplicate e-mail), told apart from a refusal
    of the caller's login, which `core.run` raises before the use case runs and which goes to
    the app (back to the login form). A form shows `error` next to what was typed."""

    def __init__(self, error: DoctorbookError) -> None:
        super().__init__(str(error))
        self.error = error


def refusable(use_case: Callable[..., R]) -> Callable[..., R]:
    """`use_case`, for `core.run`, with its own refusals raised as `Refused`; a lost database
    (`unavailable`) stays the app's to handle. The unit of work still rolls back."""

    @functools.wraps(use_case)
    def run(uow: UnitOfWork, /, **kwargs: Any) -> R:
        try:
            return use_case(uow, **kwargs)
        except DoctorbookError as error:
            if error.code == "unavailable":
                raise
            raise Refused(error) from error

    return run


class CallFailed(Message):
    """A call to core failed: refused by a rule, the login ended, the database went away, or
    a bug. Posted to the caller; bubbles to the app, the one place it becomes words."""

    def __init__(self, error: BaseException, *, group: str, as_: As, where: str) -> None:
        super().__init__()
        self.error = error
        #: The call's group (the use case's name unless the caller named it).
        self.group = group
        self.as_ = as_
        #: Which screen and call, for the crash log.
        self.where = where

    @property
    def refusal(self) -> DoctorbookError | None:
        """Core's own refusal of what was asked (not the login's end, not a lost database):
        what a form may show next to what was typed. A use case wrapped in `refusable` has
        every refusal of its own here, an AuthenticationError (a wrong current password)
        included; otherwise an AuthenticationError of a call as the user is the login's end."""
        if isinstance(self.error, Refused):
            return self.error.error
        error = self.error
        if isinstance(error, DoctorbookError) and error.code != "unavailable" and not (
            isinstance(error, AuthenticationError) and self.as_ == "user"
        ):
            return error
        return None


@dataclass(frozen=True)
class _Outcome:
    """How a call ended, carried from its thread to the event loop as the worker's result."""

    message: Message | None = None
    failed: CallFailed | None = None


if TYPE_CHECKING:
    _Node = DOMNode
else:
    #: A plain mixin at run time: Textual takes a node's CSS, type names and component
    #: classes from its first DOMNode base, so a DOMNode here would hide the Screen's after
    #: it. Typed as the DOMNode it is always mixed into.
    _Node = object


class CoreCalls(_Node):
    """Mixed into screens, dialogs and widgets of the doctorbook app: `call` runs a use case."""

    def call(
        self,
        answer: Callable[[R], Message | None],
        use_case: Callable[..., R],
        /,
        *,
        as_: As = "user",
        group: str | None = None,
        exclusive: bool = True,
        **kwargs: Any,
    ) -> Worker[_Outcome]:
        """Run `use_case(uow, actor=…, **kwargs)` in a thread; post `answer(result)` here.

        `answer` is called in the worker's thread (it only builds a message); returning None
        posts nothing."""
        core: Core = self.app.core  # type: ignore[attr-defined]
        runner = {"user": core.run, "anyone": core.run_as_anyone, "open": core.run_open,
                  "read": core.run_read, "read_user": core.run_read_as_user}[as_]
        name: str = group or str(getattr(use_case, "__name__", "call"))
        where = f"{type(self).__name__}.{name}"
        caller = _CALLER.get(as_, as_)

        def work() -> _Outcome:
            try:
                return _Outcome(message=answer(runner(use_case, **kwargs)))
            except Exception as error:
                return _Outcome(failed=CallFailed(error, group=name, as_=caller, where=where))

        return self.run_worker(
            work, name=name, group=name, thread=True, exclusive=exclusive,
            exit_on_error=False, description=where,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.node is not self or event.state is not WorkerState.SUCCESS:
            return
        outcome = worker.result
        if isinstance(outcome, _Outcome):
            message = outcome.failed or outcome.message
            if message is not None:
                self.post_message(message)
