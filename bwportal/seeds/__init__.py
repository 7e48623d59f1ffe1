"""Seed data as plain Python, marked for translation with N_."""
