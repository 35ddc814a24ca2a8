"""A tiny MaxMind-format (GeoIP2-City shaped) database for tests, written with mmdb-writer."""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

NETWORKS = {
    "203.0.113.0/24": {
        "country": {"iso_code": "JP", "names": {"en": "Japan"}},
        "subdivisions": [{"iso_code": "13", "names": {"en": "Tokyo"}}],
        "city": {"names": {"en": "Shibuya"}},
    },
    "198.51.100.0/24": {
        "country": {"iso_code": "US", "names": {"en": "United States"}},
        "city": {"names": {"en": "Seattle"}},
    },
}


def write_city_db(path: Path) -> Path:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-City", languages=["en"])
    for network, record in NETWORKS.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path
