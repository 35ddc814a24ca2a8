"""The one place where queries become engine SQL (DuckDB or ClickHouse): see ``render``."""

from traitbase.storage.sql.render import ENGINES, SqlNotPortable, bind, render

__all__ = ["ENGINES", "SqlNotPortable", "bind", "render"]
