"""Modal dialogs that return a value with `dismiss` (none are needed yet)."""

from __future__ import annotations
