"""The outside world behind small interfaces: mail, Redis."""
