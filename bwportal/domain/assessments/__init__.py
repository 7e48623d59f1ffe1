"""Service cycles, assessments and their findings (CYC-1, CYC-2)."""
