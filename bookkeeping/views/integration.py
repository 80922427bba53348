"""Integration settings pages (company admins only)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("Not built yet")


settings_page = choose_tool = connect = oauth_callback = choose_target = _todo
save_mapping = test_connection = toggle_nightly = disconnect = _todo
