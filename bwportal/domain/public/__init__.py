"""Publicly reported findings, the factory's responses and the Transparency Portal."""
