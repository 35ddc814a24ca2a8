"""Small maintenance commands run with ``python -m traitbase.tools.<name>``."""
