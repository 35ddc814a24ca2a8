"""Pieces every face uses: auth dependencies, body caps, the envelope registry."""
