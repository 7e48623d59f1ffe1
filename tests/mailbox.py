"""Reading the mails the embedded default wrote to the outbox folder."""

import re
from email import message_from_bytes, policy
from pathlib import Path


class Mailbox:
    def __init__(self, folder: Path, drain=None):
        self.folder = folder
        # Runs the queued jobs first (with Redis, e-mails go out from the worker, issue 17 item 10).
        self.drain = drain

    def clear(self):
        for path in self.folder.glob("*.eml"):
            path.unlink()

    def messages(self, to: str | None = None):
        if self.drain is not None:
            self.drain()
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if to is None or message["To"] == to:
                found.append(message)
        return found

    def text(self, message) -> str:
        return message.get_body(("plain",)).get_content()

    def link(self, message) -> str:
        """The portal path of the first link in the message."""
        url = re.search(r"https?://\S+", self.text(message)).group(0)
        return "/" + url.split("/", 3)[3]
