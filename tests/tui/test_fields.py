"""Enter in a form field moves on at once, so keys typed right after it land in the next field."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.login import LoginScreen


async def test_keys_sent_in_one_burst_fill_the_right_fields(
    settings: Settings, db: Database
) -> None:
    """As tmux send-keys, a paste-fast typist or a card reader would deliver them."""
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        driver = app._driver
        assert driver is not None
        names = {"@": "at", ".": "full_stop"}
        for char in "a@b.io":
            driver.send_message(events.Key(names.get(char, char), char))
        driver.send_message(events.Key("enter", "\r"))
        for char in "secret":
            driver.send_message(events.Key(char, char))
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#email", Input).value == "a@b.io"
        assert app.screen.query_one("#password", Input).value == "secret"
