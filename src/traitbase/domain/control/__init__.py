"""control feature package."""
