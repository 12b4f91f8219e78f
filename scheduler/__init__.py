"""Timed jobs: SLA clocks, warranty expiry, token upkeep, catch-up of missed events."""
