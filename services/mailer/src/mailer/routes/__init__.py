"""HTTP routes of the mailer API, one module per resource."""
