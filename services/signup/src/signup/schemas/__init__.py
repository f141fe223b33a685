"""The JSON the service takes and gives, and its internal contracts: pydantic models checked at the
edge."""
