"""Pure rules of the signup service: no I/O, no framework."""
