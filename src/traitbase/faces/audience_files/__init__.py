"""Audience files face (seed 004, Mintegral): token auth, presigned uploads, audiences."""
