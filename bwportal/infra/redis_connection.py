"""The Redis connection, made once per process from REDIS_URL (None when not configured)."""

from flask import current_app
from redis import Redis

_connections: dict[str, Redis] = {}


def get_redis() -> Redis | None:
    url = current_app.config["REDIS_URL"]
    if not url:
        return None
    if url not in _connections:
        # Short timeouts: a Redis outage must not hang a page that only wanted a notice queued.
        _connections[url] = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    return _connections[url]
