"""Handler modules; importing one registers its job kind. Add a line per new kind."""
