"""E-mail: the outbox use cases queue into, the dispatcher, the admin's view."""
