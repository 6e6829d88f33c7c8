"""Reusable widgets shared by several screens."""

from __future__ import annotations
