"""What every domain stands on: database, settings, clock, errors, actor, audit."""
