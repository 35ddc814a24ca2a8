"""profiles feature package."""
