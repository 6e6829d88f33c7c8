"""Full screens of the TUI, one per file: login and joining, role homes, search, profiles, admin."""

from __future__ import annotations
