"""ETags on every JSON answer of the API: a client that sends the ETag it holds as
If-None-Match gets 304 Not Modified, with no body, when nothing changed.

The tag is weak (W/"…") because Flask-Compress sends the same JSON gzipped or in brotli, and
it leaves weak tags as they are: a client then matches whichever encoding it received."""

import hashlib

from flask import request

TEXT = ("application/json", "text/csv")


def conditional(cache_control: str, vary_authorization: bool = True):
    """An after_request function: ETag, Cache-Control, and 304 for a matching If-None-Match."""
    def after(response):
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.direct_passthrough \
                or response.mimetype not in TEXT:
            return response
        if response.get_etag()[0] is None:
            response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32], weak=True)
        response.headers["Cache-Control"] = cache_control
        if vary_authorization:
            response.vary.add("Authorization")
        return response.make_conditional(request)
    return after
