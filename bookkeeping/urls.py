from django.urls import path

from bookkeeping.views import integration, preview, reconciliation, runs, settings_rules

app_name = "bookkeeping"
urlpatterns = [
    # Integration settings (company admins only).
    path("settings/", integration.settings_page, name="settings"),
    path("settings/tool/", integration.choose_tool, name="choose_tool"),
    path("settings/connect/", integration.connect, name="connect"),
    path("settings/oauth/callback/", integration.oauth_callback, name="oauth_callback"),
    path("settings/target/", integration.choose_target, name="choose_target"),
    path("settings/mapping/", integration.save_mapping, name="save_mapping"),
    path("settings/test/", integration.test_connection, name="test_connection"),
    path("settings/nightly/", integration.toggle_nightly, name="toggle_nightly"),
    path("settings/disconnect/", integration.disconnect, name="disconnect"),
    path("settings/lists/refresh/", integration.refresh_lists, name="refresh_lists"),
    path("settings/retry/", runs.retry_waiting_on_settings, name="retry_waiting"),
    path("settings/start-date/", settings_rules.save_start_date, name="save_start_date"),
    path("settings/lock/", settings_rules.save_lock, name="save_lock"),
    # Sync: start, progress, history, retries.
    path("sync/", runs.start_sync_view, name="start_sync"),
    path("sync/progress/", runs.progress, name="progress"),
    path("sync/preview/", preview.preview_page, name="sync_preview"),
    path("sync/preview/confirm/", preview.confirm, name="confirm_first_sync"),
    path("reference/refresh/", preview.refresh_reference, name="refresh_reference"),
    path("runs/", runs.run_list, name="runs"),
    path("runs/<int:pk>/", runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/retry/", runs.retry_run, name="retry_run"),
    path("issues/<int:pk>/retry/", runs.retry_invoice, name="retry_invoice"),
    # Reconciliation with the books and the recovery console.
    path("reconciliation/", reconciliation.console, name="reconciliation"),
    path("reconciliation/retry-failed/", reconciliation.retry_failed, name="recovery_retry_failed"),
    path("reconciliation/invoices/<int:pk>/link/", reconciliation.link, name="recovery_link"),
    path(
        "reconciliation/invoices/<int:pk>/mark-booked/",
        reconciliation.mark_booked,
        name="recovery_mark_booked",
    ),
    path(
        "reconciliation/invoices/<int:pk>/send-again/",
        reconciliation.send_again,
        name="recovery_send_again",
    ),
    path(
        "reconciliation/invoices/<int:pk>/never-send/",
        reconciliation.never_send,
        name="recovery_never_send",
    ),
    path("reconciliation/invoices/<int:pk>/retry/", reconciliation.retry, name="recovery_retry"),
]
