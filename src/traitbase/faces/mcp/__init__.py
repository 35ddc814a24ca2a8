"""The query API as Model Context Protocol tools (``traitbase mcp``)."""
