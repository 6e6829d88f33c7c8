"""Account and session commands: register, login, logout, whoami, refresh."""
