"""Country and region of a visitor, from a MaxMind-format database file or a trusted proxy header.

Neither is on by default: the embedded setup stores no country until ``geoip_database`` names a
``.mmdb`` file (GeoLite2-City, DB-IP Lite or any file in that format) or ``collect_country_header``
names a header a trusted proxy sets (``CF-IPCountry``). The address itself is only looked up,
never stored.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import maxminddb


@dataclass(frozen=True)
class Place:
    country: str = ""  # ISO 3166-1 alpha-2, upper case
    region: str = ""  # the first subdivision's English name (state, prefecture), else the city's


NOWHERE = Place()


def place_from_record(record: Any) -> Place:
    """The place in one MaxMind record (pure; the record shape of GeoIP2/GeoLite2 City and Country)."""
    if not isinstance(record, dict):
        return NOWHERE
    country = record.get("country") or record.get("registered_country") or {}
    code = str(country.get("iso_code") or "").upper()
    region = ""
    subs = record.get("subdivisions") or []
    if subs and isinstance(subs[0], dict):
        region = str((subs[0].get("names") or {}).get("en") or "")
    if not region:
        region = str(((record.get("city") or {}).get("names") or {}).get("en") or "")
    return Place(country=code, region=region)


def truncate_ip(ip: str) -> str:
    """What logs may show of an address: its /24 (IPv4) or /48 (IPv6) network."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "-"
    bits = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


class GeoResolver:
    """Owns the open database file (the I/O edge); ``lookup`` is cached per address."""

    def __init__(self, database: Path | None, *, country_header: str | None, region_header: str | None) -> None:
        self._reader = maxminddb.open_database(str(database)) if database else None
        self.country_header = (country_header or "").lower() or None
        self.region_header = (region_header or "").lower() or None
        self._cached = lru_cache(maxsize=65536)(self._lookup)

    @property
    def enabled(self) -> bool:
        return self._reader is not None or self.country_header is not None

    def _lookup(self, ip: str) -> Place:
        if self._reader is None or not ip:
            return NOWHERE
        try:
            return place_from_record(self._reader.get(ip))
        except ValueError:  # not an address
            return NOWHERE

    def locate(self, ip: str, headers: dict[str, str]) -> Place:
        """A proxy's header wins over the file (the proxy saw the real client); else the file; else nothing."""
        if self.country_header:
            code = headers.get(self.country_header, "").strip().upper()
            if len(code) == 2 and code.isalpha() and code != "XX":
                region = headers.get(self.region_header, "").strip()[:100] if self.region_header else ""
                return Place(country=code, region=region)
        return self._cached(ip)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
