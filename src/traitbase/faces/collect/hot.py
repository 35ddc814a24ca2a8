"""``POST /collect`` is a hot route (``faces/common/hot.py``): tracker batches are the most frequent
request this server takes (every page of every site sends several), each parsing and queueing a
few rows. The CORS middleware still wraps the dispatch."""

from __future__ import annotations

from traitbase.faces.collect import envelope
from traitbase.faces.collect.router import collect
from traitbase.faces.common.hot import HotRoute

PATH = "/collect"
ROUTE = HotRoute(collect, envelope.render_error)
