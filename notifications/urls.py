"""URLs of the bell, mounted at /notifications/."""

from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("bell/", views.bell, name="bell"),
    path("bell.json", views.bell_json, name="bell_json"),
]
