"""Pure rules of the counter: what each event contributes to the totals. No I/O."""
