"""Keep calendar-feed secrets out of request logs.

A feed URL (/feeds/<secret>.ics) is its own credential: whoever reads an access log line could subscribe.
The development server's request log (Werkzeug) gets a logging filter, gunicorn a logger class
(`gunicorn --logger-class mutualise.log_redaction.GunicornLogger`); both write `/feeds/…` instead.
"""

import logging
import re

from gunicorn.glogging import Logger

_FEED_SECRET = re.compile(r"/feeds/[^/?#\s\"]+")
HIDDEN = "/feeds/…"


def redact(text: str) -> str:
    """`text` with every feed secret in a /feeds/ path replaced by an ellipsis."""
    return _FEED_SECRET.sub(HIDDEN, text) if "/feeds/" in text else text


class RedactFeedSecrets(logging.Filter):
    """Rewrites the arguments of a log record (Werkzeug passes the request line as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


class GunicornLogger(Logger):
    """Gunicorn's logger with the access-log fields (request line, path, referrer, headers) redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
