"""Which URLs a scan may load: http(s) only and, unless a setting allows it, never the server's own network.

A scan is asked for by an admin, but it runs on the server: without this rule an admin key of one
tenant could screenshot ``http://169.254.169.254/`` or an internal dashboard. The check runs for the
page itself and for every request the page makes (redirects and resources included); ``resolve`` is
passed in so the rule is testable without DNS.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from traitbase.errors import Invalid

Resolver = Callable[[str], Iterable[str]]
SCHEMES = frozenset({"http", "https"})


def system_resolve(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def refusal(url: str, *, allow_private: bool, resolve: Resolver = system_resolve) -> str | None:
    """Why a scan may not load ``url``, or None when it may."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        return "only http and https URLs can be scanned"
    if allow_private:
        return None
    try:
        addresses = list(resolve(parts.hostname))
    except (OSError, UnicodeError):
        return f"the host {parts.hostname} cannot be resolved"
    if not addresses or any(_private(a) for a in addresses):
        return f"the host {parts.hostname} is on a private or local network (scan_allow_private_addresses)"
    return None


def check_scan_url(url: str, *, allow_private: bool, resolve: Resolver = system_resolve) -> str:
    reason = refusal(url, allow_private=allow_private, resolve=resolve)
    if reason:
        raise Invalid(reason, errors={"url": reason})
    return url
