"""Entry point for `python -m doctorbook`."""

from __future__ import annotations

from doctorbook.cli.main import run

if __name__ == "__main__":
    run()
