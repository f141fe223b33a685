"""The only package that talks to the counter's MongoDB database."""

from counter.repository.queries import TotalsQueries

__all__ = ["TotalsQueries"]
