"""keys feature package."""
