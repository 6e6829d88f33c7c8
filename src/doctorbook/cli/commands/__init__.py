"""One small command per file, grouped by area."""
