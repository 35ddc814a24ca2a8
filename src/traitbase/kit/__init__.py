"""Small helpers that are not domain rules: prefetch threads, collector pauses."""
