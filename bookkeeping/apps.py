from django.apps import AppConfig


class BookkeepingConfig(AppConfig):
    name = "bookkeeping"

    def ready(self) -> None:
        from bookkeeping import checks  # noqa: F401 (registers the deploy checks)
        from bookkeeping.readiness import review_invoice
        from invoicing import booking_checks

        booking_checks.register(review_invoice)
