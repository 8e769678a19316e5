"""Default settings. `instance/config.py` and `MUTUALISE_*` environment variables override them."""

import os


class Defaults:
    # Development-only secret: create_app refuses to start with it outside debug/testing.
    SECRET_KEY = "dev-only-change-me"
    SQLALCHEMY_DATABASE_URI = None  # filled by create_app: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    # Mail: "console" prints messages and appends them to instance/outbox.mbox (development);
    # "smtp" sends them.
    MAIL_BACKEND = "console"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "Mutualise <noreply@mutualise.localhost>"
    MAIL_TIMEOUT = 10
    # True: every mail is written to the database with the request's data and sent by `tick` (run it
    # every minute); False: sent right after the commit, and kept for `tick` only when that fails
    MAIL_DEFERRED = False

    # Links in e-mails need an absolute base outside a request (CLI, tick).
    BASE_URL = "http://127.0.0.1:5000"
    INVITATION_MAX_AGE_DAYS = 14
    PASSWORD_RESET_MAX_AGE_HOURS = 2
    REMINDER_HOURS = 24  # `tick` reminds bookers of bookings starting within this many hours
    # calendar feeds: the window of bookings they hold, how long cancelled ones stay (as CANCELLED so
    # clients remove them), how often clients should refresh, and fetches allowed per address
    FEED_PAST_DAYS = 90
    FEED_FUTURE_DAYS = 548  # about 18 months
    FEED_CANCELLED_DAYS = 30
    FEED_REFRESH_MINUTES = 60
    FEED_RATE_LIMIT = "60 per minute"

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"

    # flask-smorest serves the OpenAPI document at /api/v1/openapi.json
    API_TITLE = "Mutualise"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    WTF_CSRF_TIME_LIMIT = None  # the session bounds it; a long form must not expire under the user
    PAGE_SIZE = 50


def database_uri_default(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "mutualise.db")
