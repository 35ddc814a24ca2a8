"""Page scan (issue 12 point 7): render a page as a device sees it, screenshot it and its blocks, and
propose blocks from its top-level sections when the page has none configured.

``propose`` is the pure core (section geometry in, block proposals out); ``urls`` decides which
addresses a scan may load; ``service`` runs one scan over a ``Renderer`` (the Playwright adapter lives
in ``storage/page_renderer.py``) and stores the screenshots in the blob store.
"""
