"""Attribute upload face (seed 000, Ptengine style)."""
