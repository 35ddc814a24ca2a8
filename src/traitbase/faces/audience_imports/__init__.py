"""Audience imports face (seed 002, Localytics audience lists): HTTP Basic, multipart JSON Lines files."""
