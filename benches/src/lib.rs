//! Placeholder: benchmarks arrive with issue 6.
