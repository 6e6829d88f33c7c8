"""Full screens of the TUI, one per file: login, register, homes per role, help."""

from __future__ import annotations
