"""Modal dialogs that return a value with `dismiss`: a line of text, or a yes/no answer."""

from __future__ import annotations
