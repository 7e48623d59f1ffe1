"""Holding concurrent requests together just before they write, so a race is run, not hoped for."""

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session


class Rendezvous:
    """Each thread stops before the first flush that writes one of ``models`` until ``parties``
    threads are there, or ``patience`` seconds have passed (a thread waiting on a row lock never
    comes: the one holding it goes on alone)."""

    def __init__(self, *models, parties=2, patience=1.5):
        self.models, self.parties, self.patience = models, parties, patience
        self.arrived, self.waited = 0, set()
        self.condition = threading.Condition()

    def __enter__(self):
        event.listen(Session, "before_flush", self._before_flush)
        return self

    def __exit__(self, *exc):
        event.remove(Session, "before_flush", self._before_flush)

    def _before_flush(self, session, _context, _instances):
        me = threading.get_ident()
        if me in self.waited or not any(isinstance(o, self.models) for o in (*session.new, *session.dirty)):
            return
        self.waited.add(me)
        with self.condition:
            self.arrived += 1
            self.condition.notify_all()
            self.condition.wait_for(lambda: self.arrived >= self.parties, timeout=self.patience)
