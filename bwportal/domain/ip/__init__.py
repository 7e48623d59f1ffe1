"""The Improvement Plan's rules: status, operations, queries, import of assessment findings."""
