from django.urls import path

from cchc.portal import editor_views as views

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_list_view, name="list"),
    path("<int:pk>/", views.feedback_detail_view, name="detail"),
]
