"""Who is told what, when: notices written to the outbox with their cause."""
