"""The pages' strings, one module per language (same keys in each)."""
