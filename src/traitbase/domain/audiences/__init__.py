"""audiences feature package."""
