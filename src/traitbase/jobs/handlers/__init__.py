"""Handler modules; importing one registers its job kind. Add a line per new kind."""

from traitbase.jobs.handlers import audience_load, event_csv, profile_import  # noqa: F401
