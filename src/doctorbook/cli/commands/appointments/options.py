"""Arguments the appointment commands share, declared once so their help never drifts."""

from __future__ import annotations

from typing import Annotated

import typer

AppointmentId = Annotated[int, typer.Argument(
    metavar="ID", help="The appointment's id (from `appointments list`).", min=1)]
