"""Imports face (seed 002, Localytics style): profile imports."""
