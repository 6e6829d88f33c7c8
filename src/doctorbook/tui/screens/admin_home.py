"""The admin's home: today's arrivals (as at the desk), and the keys to the taxonomy, to
doctors joining, to the e-mail outbox, to the audit log and to the staff (receptionists and
admins)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from doctorbook.tui.screens.audit_log import AuditLogScreen
from doctorbook.tui.screens.doctors_admin import DoctorsAdminScreen
from doctorbook.tui.screens.doctors_joining import DoctorsJoiningScreen
from doctorbook.tui.screens.metrics import MetricsScreen
from doctorbook.tui.screens.outbox import OutboxScreen
from doctorbook.tui.screens.specialties import SpecialtiesScreen
from doctorbook.tui.screens.staff import StaffScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen


class AdminHomeScreen(StaffHomeScreen):
    """Today's arrivals, with the desk's keys (i check in, x cancel, r move); c opens the
    specialties, d the doctors (suspend/activate), j the invites and requests to join, o the
    outbox, a the audit log, m the metrics dashboard, t the staff (invite, disable, enable
    receptionists and admins)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # The desk's keys (and refresh) work here as everywhere, and F1 lists them; they stay
        # off the key bar so the admin's own keys and F1 itself fit in 80 columns.
        Binding("f5", "refresh", "Refresh", show=False, id="refresh"),
        Binding("s", "search", "Search", show=False, id="search"),
        Binding("p", "patients", "Patients", show=False, id="patients"),
        Binding("v", "day_view", "Day view", show=False, id="day-view"),
        # The desk's keys on today's arrivals work here too (x cancels: c is the
        # specialties', m the metrics'), off the key bar for the admin's own; F1 lists them.
        Binding("i", "desk_check_in", "Check in", show=False, id="desk-check-in"),
        Binding("x", "desk_cancel", "Cancel", show=False, id="desk-cancel-x"),
        Binding("r", "desk_move", "Move", show=False, id="desk-move"),
        Binding("r", "refresh", "Refresh", show=False, id="refresh-r"),
        Binding("c", "specialties", "Specialties", id="specialties"),
        Binding("j", "doctors_joining", "Joining", id="doctors-joining"),
        Binding("o", "outbox", "Outbox", id="outbox"),
        Binding("a", "audit_log", "Audit log", id="audit-log"),
        # Off the key bar too (F1 would no longer fit in 80 columns); F1 lists them.
        Binding("m", "metrics", "Metrics", show=False, id="metrics"),
        Binding("d", "doctors", "Doctors", show=False, id="doctors"),
        Binding("t", "staff", "Staff", show=False, id="staff"),
    ]

    palette_in_footer = False

    def action_specialties(self) -> None:
        self.app.push_screen(SpecialtiesScreen())

    def action_doctors(self) -> None:
        self.app.push_screen(DoctorsAdminScreen())

    def action_doctors_joining(self) -> None:
        self.app.push_screen(DoctorsJoiningScreen())

    def action_outbox(self) -> None:
        self.app.push_screen(OutboxScreen())

    def action_audit_log(self) -> None:
        self.app.push_screen(AuditLogScreen())

    def action_metrics(self) -> None:
        self.app.push_screen(MetricsScreen())

    def action_staff(self) -> None:
        self.app.push_screen(StaffScreen())
