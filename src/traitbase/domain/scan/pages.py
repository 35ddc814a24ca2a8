"""Where scans meet the page configuration: the blocks a scan screenshots when the request names none.

Page configurations are kept per environment; the tracker's site key writes production
(docs/collect.md), so a scan reads the production configuration of the page and device.
"""

from __future__ import annotations

from traitbase.domain.collect import pages
from traitbase.domain.scan.service import BlockSpec, ScanHooks
from traitbase.storage.db import Database

ENVIRONMENT = "production"


def page_config_hooks(db: Database) -> ScanHooks:
    def configured_blocks(project_id: str, url: str, device: str) -> list[BlockSpec]:
        with db.read() as s:
            config = pages.config_for(s, project_id=project_id, environment=ENVIRONMENT, url=url, device=device)
        return [BlockSpec.parse(b) for b in config["blocks"]]

    return ScanHooks(configured_blocks=configured_blocks)
