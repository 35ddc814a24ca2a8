"""Admin API: the control plane for the CLI and the dashboard (Bearer key with the admin scope)."""
