"""imports feature package."""
