"""What people see: pages, forms, words and languages, emails; rendered from templates/ and static/,
which stay at the package's root."""
