"""Tests of the foundation's server side: domain."""
