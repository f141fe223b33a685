"""HTTP routes of the counter service: the totals API and the dashboard."""
