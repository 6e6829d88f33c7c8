"""The Textual user interface: one app whose home screen follows the logged-in user's role."""

from __future__ import annotations
