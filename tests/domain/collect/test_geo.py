"""Country and region: from a MaxMind-format file the test writes, from a trusted header, or not at all."""

from __future__ import annotations

from pathlib import Path

from tests.domain.collect.mmdb import write_city_db
from traitbase.domain.collect.geo import NOWHERE, GeoResolver, Place, truncate_ip


def test_a_database_file_gives_country_and_region(tmp_path: Path) -> None:
    geo = GeoResolver(write_city_db(tmp_path / "city.mmdb"), country_header=None, region_header=None)
    try:
        assert geo.locate("203.0.113.9", {}) == Place(country="JP", region="Tokyo")
        # No subdivision in the record: the city stands in for the region.
        assert geo.locate("198.51.100.20", {}) == Place(country="US", region="Seattle")
        assert geo.locate("192.0.2.1", {}) == NOWHERE
        assert geo.locate("not an address", {}) == NOWHERE
    finally:
        geo.close()


def test_a_trusted_header_wins_over_the_file(tmp_path: Path) -> None:
    geo = GeoResolver(write_city_db(tmp_path / "city.mmdb"), country_header="CF-IPCountry", region_header="X-Region")
    try:
        assert geo.locate("203.0.113.9", {"cf-ipcountry": "de", "x-region": "Berlin"}) == Place("DE", "Berlin")
        # Cloudflare's "unknown" and junk fall back to the file.
        assert geo.locate("203.0.113.9", {"cf-ipcountry": "XX"}) == Place("JP", "Tokyo")
        assert geo.locate("203.0.113.9", {"cf-ipcountry": "Germany"}) == Place("JP", "Tokyo")
    finally:
        geo.close()


def test_by_default_nothing_is_located() -> None:
    geo = GeoResolver(None, country_header=None, region_header=None)
    assert not geo.enabled
    assert geo.locate("203.0.113.9", {"cf-ipcountry": "DE"}) == NOWHERE


def test_logs_see_only_the_network() -> None:
    assert truncate_ip("203.0.113.77") == "203.0.113.0/24"
    assert truncate_ip("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert truncate_ip("testclient") == "-"
