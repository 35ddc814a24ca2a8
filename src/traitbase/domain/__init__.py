"""Business rules in plain Python: take a unit of work, raise DomainError, never commit."""
