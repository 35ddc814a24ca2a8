"""events feature package."""
