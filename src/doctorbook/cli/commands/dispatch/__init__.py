"""`doctorbook dispatch-emails`: the outbox dispatcher, for cron (--once) or as a daemon."""
