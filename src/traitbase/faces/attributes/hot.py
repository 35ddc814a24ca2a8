"""``POST /v1/user/profiles`` is a hot route (``faces/common/hot.py``): the hottest one, thousands
of requests a second, each doing nothing else but parse and queue its rows."""

from __future__ import annotations

from traitbase.faces.attributes import envelope
from traitbase.faces.attributes.router import upload_profiles
from traitbase.faces.common.hot import HotRoute

PATH = "/v1/user/profiles"
ROUTE = HotRoute(upload_profiles, envelope.render_error)
