"""The Typer CLI: parse, call core, render with Rich; nothing else."""
