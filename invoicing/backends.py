"""The login backend: Django's own, reading the user's stored preferences with the user.

Every page needs the language the user chose (`UserLanguageMiddleware`); reading it in the same
query as the user saves a query on every request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserWithPreferencesBackend(ModelBackend):
    def get_user(self, user_id):  # noqa: ANN001, ANN201 (Django's signature)
        users = get_user_model()._default_manager.select_related("preference")
        try:
            user = users.get(pk=user_id)
        except (get_user_model().DoesNotExist, ValueError, TypeError):
            return None
        return user if self.user_can_authenticate(user) else None
