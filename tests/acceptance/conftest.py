"""Acceptance tests drive the real CLI and TUI; they share the CLI fixtures."""

from __future__ import annotations

from tests.cli.conftest import cli, registered
from tests.mail.conftest import dispatcher_for, settings_for, smtp_server
from tests.tui.conftest import settings

__all__ = ["cli", "dispatcher_for", "registered", "settings", "settings_for", "smtp_server"]
