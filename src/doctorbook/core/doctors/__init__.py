"""Doctors: profiles, specialties, invitations and requests to join."""
