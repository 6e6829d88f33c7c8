"""`doctorbook metrics`: product metrics, each rate with its numerator and denominator."""
