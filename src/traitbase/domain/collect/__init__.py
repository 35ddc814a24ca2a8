"""Web collection: the /collect wire rules, enrichment, visits and the write path of tracker data."""
