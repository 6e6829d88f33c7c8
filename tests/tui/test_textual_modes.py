"""Textual behaviour our mode handling works around (tui/app.py, DoctorbookApp.__init__).

Textual 8 mounts a mode's base screen before putting it on the mode's stack. Under the eager
task factory that `App.run` installs on Python >= 3.12 (and our tests install for the pilot),
the screen mounts right there, and an Input that mounts asks for `app.screen`. When the app
*starts* in such a mode its stack is still empty and the app dies with ScreenStackError
(Textual issue #6444). If the first test here starts failing, Textual has fixed it and the
`on_mount` switch in DoctorbookApp can become `DEFAULT_MODE` again.
"""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input

EAGER = hasattr(asyncio, "eager_task_factory")


class FormScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="email")


class StartsInItsMode(App[None]):
    """A mode of its own as DEFAULT_MODE: what doctorbook did until issue 9."""

    DEFAULT_MODE = "form"

    def __init__(self) -> None:
        super().__init__()
        self.add_mode("form", FormScreen)


class SwitchesToItsMode(App[None]):
    """Starts in Textual's own default mode and switches when mounted: what doctorbook does."""

    def __init__(self) -> None:
        super().__init__()
        self.add_mode("form", FormScreen)

    async def on_mount(self) -> None:
        await self.switch_mode("form")


@pytest.mark.skipif(not EAGER, reason="Python < 3.12 has no eager tasks: screens stack first")
async def test_textual_crashes_starting_in_a_mode_of_ours_under_eager_tasks() -> None:
    app = StartsInItsMode()
    with pytest.raises(Exception, match="No screens on stack"):
        async with app.run_test() as pilot:
            await pilot.pause()


async def test_switching_to_the_mode_once_mounted_shows_its_form() -> None:
    app = SwitchesToItsMode()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.current_mode == "form"
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#email", Input).has_focus
