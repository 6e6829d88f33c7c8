"""Acceptance tests drive the real CLI and TUI; they share the CLI fixtures."""

from __future__ import annotations

from tests.cli.conftest import cli, registered

__all__ = ["cli", "registered"]
