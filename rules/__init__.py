"""Pure regulation logic: dataclasses in, decisions out. No I/O, no clock, no logging."""
