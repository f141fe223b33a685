"""The service's processes and command lines (its console scripts, pyproject.toml); each starts from
bootstrap.py, the composition root."""
