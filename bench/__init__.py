"""Stand-alone benchmarks (not pytest tests); see bench/README.md."""
