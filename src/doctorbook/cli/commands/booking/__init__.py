"""`doctorbook book`: book an open slot, for yourself or (desk staff) for a patient."""
