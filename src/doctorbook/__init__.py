"""doctorbook: appointment booking for a clinic network, run from terminals."""

from __future__ import annotations

__version__ = "0.1.0"
