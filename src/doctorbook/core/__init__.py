"""The core library: every rule of doctorbook; no Textual, Typer or Rich here."""
