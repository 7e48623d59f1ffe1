"""Request plumbing: hooks, transactions, outage answers, throttling, assets, navigation, locale."""
