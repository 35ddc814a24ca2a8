"""Query API (seed 001): heatmap queries over the tracker tables — parsing, registries, computing, formatting."""
