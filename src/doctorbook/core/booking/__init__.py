"""Booking: search, the claim, appointments, their lifecycle and e-mails."""
