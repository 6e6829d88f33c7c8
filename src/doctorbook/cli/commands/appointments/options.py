"""Arguments the appointment commands share, declared once so their help never drifts."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.ids import id_argument

AppointmentId = Annotated[int, id_argument(
    "appointment", help="The appointment's id (from `appointments list`).")]
