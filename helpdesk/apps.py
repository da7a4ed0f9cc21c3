from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Helpdesk"

    def ready(self) -> None:
        from helpdesk import ratelimit  # noqa: F401  (connects the failed-login counters)
