from django.urls import path

from cchc.api import views

app_name = "api_clients"
urlpatterns = [
    path("", views.client_list_view, name="client_list"),
    path("new/", views.client_create_view, name="client_create"),
    path("<int:pk>/revoke/", views.client_revoke_view, name="client_revoke"),
]
