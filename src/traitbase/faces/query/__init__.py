"""Query API face (seed 001): /open-api/v1/ with x-api-key, numbered errors, localized messages."""
