"""Django's makemessages, also collecting the texts stored for later (config/texts.py)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [
        *makemessages.Command.xgettext_options,
        "--keyword=later",
        "--keyword=later_plural:1,2",
        # The bookkeeping app's names for gettext_noop and gettext_lazy.
        "--keyword=noop",
        "--keyword=_lazy",
    ]
