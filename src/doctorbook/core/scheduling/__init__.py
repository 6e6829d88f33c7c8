"""Scheduling: weekly rules, exceptions, slots, availability, the day view."""
