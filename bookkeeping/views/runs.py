"""Sync pages: start a sync, its progress, the history and retries."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("Not built yet")


start_sync = progress = run_list = run_detail = retry_run = retry_invoice = _todo
