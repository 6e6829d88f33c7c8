"""Entry point for `python -m doctorbook`."""

from __future__ import annotations

from doctorbook.launcher import run

if __name__ == "__main__":
    run()
