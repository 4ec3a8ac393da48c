"""qap's benchmarks: each stage measured against the least work its inputs need (see bench/README.md)."""
