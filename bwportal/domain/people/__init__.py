"""Accounts, invitations, passwords and single-use links."""
