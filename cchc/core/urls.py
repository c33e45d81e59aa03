from django.urls import path

from cchc.core import views

app_name = "core"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("audit/", views.audit_list_view, name="audit_list"),
    path("health/", views.health_view, name="health"),
]
