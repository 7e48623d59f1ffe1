"""Demo and scale data for developers and benchmarks; not part of the installed package."""
