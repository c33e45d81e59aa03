from django.urls import path

from cchc.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("dossiers/", views.dossier_list_view, name="dossier_list"),
    path("import/", views.import_view, name="import"),
    path("import/<int:pk>/", views.import_detail_view, name="import_detail"),
    path("import/<int:pk>/rejected.csv", views.rejected_view, name="import_rejected"),
    path("headings/", views.alias_add_view, name="alias_add"),
    path("headings/<int:pk>/delete/", views.alias_delete_view, name="alias_delete"),
    path("directives/", views.directive_list_view, name="directive_list"),
    path("directives/new/", views.directive_create_view, name="directive_create"),
    path("directives/import/", views.directive_import_view, name="directive_import"),
    path("directives/<int:pk>/complete/", views.directive_complete_view, name="directive_complete"),
]
