from django.urls import path

from cchc.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("read/", views.inbox_read_view, name="inbox_read"),
]
