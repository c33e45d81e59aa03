from django.urls import path

from cchc.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("progress/", views.progress_view, name="progress"),
    path("rounds/<int:pk>/remind/", views.remind_view, name="remind"),
    path("inspections/", views.inspections_view, name="inspections"),
    path("indicators/", views.indicators_view, name="indicators"),
    path("assessments/<int:pk>/areas/<int:area_pk>/", views.area_view, name="area"),
    path("export/<slug:page>/<slug:table>.<str:fmt>", views.export_view, name="export"),
    path("rounds/<int:pk>/map.json", views.map_data_view, name="map_data"),
]
