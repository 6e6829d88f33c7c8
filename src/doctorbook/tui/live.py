"""Live updates in the app: the database's change hints as Textual messages to the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.message import Message

from doctorbook.core.base.live import Changes, Listener

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from doctorbook.core.base.db import Database

#: How often everything is refreshed anyway: a hint lost between a commit and its NOTIFY (a
#: crash there) shows up after this at the latest.
SAFETY_REFRESH_SECONDS = 60.0


class DataChanged(Message):
    """Data that screens show changed in the database (in this app, another terminal, the CLI,
    the kiosk or the dispatcher); `changes` says which, by topic and ids."""

    def __init__(self, changes: Changes) -> None:
        super().__init__()
        self.changes = changes


class Reconnected(Message):
    """Live updates were cut off and are back: anything may have changed meanwhile, so every
    screen refreshes."""


@runtime_checkable
class ShowsLiveData(Protocol):
    """A screen showing data that others change: the app hands it every change (and F5 hands
    it `Changes.everything()`); it reads its data again if the change touches it, through its
    exclusive call, which also merges a burst of changes into one read."""

    def refresh_data(self, changes: Changes) -> None: ...


class LiveUpdates:
    """The app's one listening connection, owned by the app: `start()` after login, `stop()`
    on logout and on exit. Posts `DataChanged` and `Reconnected` to the app, and a
    `DataChanged(Changes.everything())` every `safety_seconds` (the slow safety refresh).
    Call `start` and `stop` on the app's thread."""

    def __init__(
        self,
        app: App[Any],
        db: Database,
        *,
        safety_seconds: float | None = SAFETY_REFRESH_SECONDS,
        listener: Callable[..., Listener] = Listener.for_engine,
    ) -> None:
        self._app = app
        self._db = db
        self._safety_seconds = safety_seconds
        self._make_listener = listener
        self._listener: Listener | None = None
        self._timer: Timer | None = None

    @property
    def running(self) -> bool:
        return self._listener is not None

    @property
    def listener(self) -> Listener | None:
        return self._listener

    def start(self) -> None:
        """Start listening (again: a stopped Listener is never restarted, a new one is made).
        After login: the database is open then (the app's may still be opening before)."""
        if self._listener is not None:
            return
        self._listener = self._make_listener(
            self._db.engine, on_change=self._changed, on_reconnect=self._reconnected)
        self._listener.start()
        if self._safety_seconds:
            self._timer = self._app.set_interval(
                self._safety_seconds, lambda: self._post(DataChanged(Changes.everything())),
                name="live-safety-refresh")

    def stop(self) -> None:
        """Stop listening and close the connection (within about a second)."""
        listener, self._listener = self._listener, None
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.stop()
        if listener is not None:
            listener.stop()

    # -- on the listener's thread --------------------------------------------------------

    def _changed(self, changes: Changes) -> None:
        self._post(DataChanged(changes))

    def _reconnected(self) -> None:
        self._post(Reconnected())

    def _post(self, message: Message) -> None:
        # `post_message` is thread-safe and does not wait, unlike `call_from_thread`: that one
        # blocks this thread until the app runs the call, so `stop()` (on the app's thread,
        # joining this one) would wait out its timeout whenever a hint was on its way.
        if self._app.is_running:
            self._app.post_message(message)
