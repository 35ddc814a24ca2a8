"""HTTP faces: wire models, routes and each vendor's envelope. No SQL and no business rules here."""
