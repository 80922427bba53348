from django.apps import AppConfig


class BookkeepingConfig(AppConfig):
    name = "bookkeeping"

    def ready(self) -> None:
        from bookkeeping import checks  # noqa: F401 (registers the deploy checks)
