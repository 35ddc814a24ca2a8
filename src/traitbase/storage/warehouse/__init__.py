"""The analytics store (events, later audiences): a protocol and its DuckDB implementation."""
