"""Use cases: what the entry points and routes ask for, done by orchestrating the domain's rules,
the repositories and the adapters."""
