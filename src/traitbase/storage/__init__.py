"""Storage: the only package that knows table names, column names or SQL dialects."""
