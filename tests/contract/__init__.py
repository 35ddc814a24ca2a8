"""Tests of the foundation's server side: contract."""
