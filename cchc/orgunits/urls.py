from django.urls import path

from cchc.orgunits import views

app_name = "orgunits"
urlpatterns = [
    path("", views.unit_list_view, name="unit_list"),
    path("new/", views.unit_create_view, name="unit_create"),
    path("import/", views.unit_import_view, name="unit_import"),
    path("export.csv", views.unit_export_csv_view, name="unit_export_csv"),
    path("export.geojson", views.unit_export_geojson_view, name="unit_export_geojson"),
    path("reorganise/", views.reorganisation_view, name="reorganisation"),
    path(
        "reorganisations/<int:pk>/",
        views.reorganisation_detail_view,
        name="reorganisation_detail",
    ),
    path("<int:pk>/", views.unit_detail_view, name="unit_detail"),
    path("<int:pk>/edit/", views.unit_edit_view, name="unit_edit"),
]
