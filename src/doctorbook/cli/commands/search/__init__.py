"""`doctorbook search`: find doctors."""
