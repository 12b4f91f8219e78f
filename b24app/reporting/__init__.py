"""Reports over stored data: the month's bill, SLA clocks, and the time entries they read."""
