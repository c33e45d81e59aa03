from django.urls import path

from cchc.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("rounds/<int:pk>/heatmap.csv", views.heatmap_csv_view, name="heatmap_csv"),
    path("rounds/<int:pk>/map.json", views.map_data_view, name="map_data"),
]
