"""Feedback: reviews and ratings, and the metrics."""
