"""Experiences: popups, sticky bars, inline blocks, advanced layouts and redirects, with A/B versions and goals."""
