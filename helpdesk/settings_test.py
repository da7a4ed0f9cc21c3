"""Test settings: the real PostgreSQL, Redis and Celery broker of settings.py, plus what tests need."""
import os

os.environ.setdefault("SECRET_KEY", "insecure-test-key-never-used-in-production")
os.environ.setdefault("HELPDESK_CHANNEL_PREFIX", "helpdesk-test")
os.environ.setdefault("HELPDESK_CELERY_QUEUE", "helpdesk-test")
# Tests (and the e2e stack) serve static files from the source folders, even when CI sets DATABASE_URL;
# tests/packaging checks the production storage (hashed names, no finders) from the installed wheel.
os.environ.setdefault("HELPDESK_HASHED_STATIC", "false")

from helpdesk.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests create many users
# In memory, unless a test runs a worker that must talk to a real SMTP server (tests/channels/test_worker.py).
EMAIL_BACKEND = os.environ.get("HELPDESK_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SECURE_COOKIES = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False  # the test client and the live test stack speak plain HTTP
SECURE_HSTS_SECONDS = 0
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"visitor_create": "10000/min", "login": "10000/min"}}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
# Tests of the limits lower these with override_settings; the rest of the suite must not hit them.
HELPDESK_VISITOR_MESSAGE_RATE = HELPDESK_ADDRESS_MESSAGE_RATE = "100000/min"
HELPDESK_LOGIN_FAILURES_PER_USER = HELPDESK_LOGIN_FAILURES_PER_ADDRESS = "100000/min"
