"""Health: /livez (the process), /readyz (the database), /healthz and /status (everything,
with the outbox figures). Issue 18 item 4: Redis down takes no node out of a load balancer."""

import os

import pytest

from bwportal.infra import redis_connection


def test_database_ok_and_redis_as_configured(client, app):
    response = client.get("/healthz")
    body = response.get_json()
    assert body["database"] == "ok"
    expected = "ok" if app.config["REDIS_URL"] else "not configured"
    assert body["redis"] == expected
    assert response.status_code == 200 and body["status"] == "ok"


def test_redis_down_is_reported_but_takes_no_node_out(client, app, monkeypatch):
    # A port nothing listens on: the check must answer "down" quickly, not hang or 500.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    # Pages and saves work without Redis: the status page says so, but answers 200.
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"], body["redis"]) == ("degraded", "ok", "down")
    assert body["outbox"]["rq_queued"] is None  # the queue cannot be read either
    assert client.get("/status").get_json()["redis"] == "down"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ok", "database": "ok"}
    assert client.get("/livez").status_code == 200


def test_the_status_page_has_the_outbox_figures(client):
    outbox = client.get("/status").get_json()["outbox"]
    assert {"pending", "failed", "oldest_pending_seconds"} <= set(outbox)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL)")
def test_real_redis_answers(app):
    with app.app_context():
        assert redis_connection.get_redis().ping() is True


def test_database_down_is_reported(client, app, monkeypatch):
    from bwportal.infra import health

    def broken(*_args, **_kwargs):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(health.db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"
    # Not ready for requests, but alive: a load balancer takes it out, nobody restarts it.
    assert client.get("/readyz").status_code == 503
    assert client.get("/livez").status_code == 200
