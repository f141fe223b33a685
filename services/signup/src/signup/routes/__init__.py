"""HTTP routes of the signup service, one module per resource."""
