"""Test settings: the real PostgreSQL, Redis and Celery broker of settings.py, plus what tests need."""
import os

os.environ.setdefault("SECRET_KEY", "insecure-test-key-never-used-in-production")
os.environ.setdefault("HELPDESK_CHANNEL_PREFIX", "helpdesk-test")
os.environ.setdefault("HELPDESK_CELERY_QUEUE", "helpdesk-test")

from helpdesk.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests create many users
# In memory, unless a test runs a worker that must talk to a real SMTP server (tests/channels/test_worker.py).
EMAIL_BACKEND = os.environ.get("HELPDESK_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SECURE_COOKIES = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"visitor_create": "10000/min", "login": "10000/min"}}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
