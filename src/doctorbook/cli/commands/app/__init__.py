"""Commands that open the terminal app: tui, kiosk, demo."""
