"""Pure rules: no I/O, no framework."""
