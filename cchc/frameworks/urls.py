from django.urls import path

from cchc.frameworks import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list_view, name="framework_list"),
    path("import/", views.framework_import_view, name="framework_import"),
    path("template.xlsx", views.framework_template_view, name="framework_template"),
    path("<int:pk>/", views.framework_detail_view, name="framework_detail"),
    path("<int:pk>/edit/", views.framework_edit_view, name="framework_edit"),
    path("<int:pk>/publish/", views.framework_publish_view, name="framework_publish"),
    path("<int:pk>/copy/", views.framework_copy_view, name="framework_copy"),
    path("<int:pk>/archive/", views.framework_archive_view, name="framework_archive"),
    path("<int:pk>/diff/", views.framework_diff_view, name="framework_diff"),
    path("<int:pk>/export.xlsx", views.framework_export_xlsx_view, name="framework_export_xlsx"),
    path("<int:pk>/export.csv", views.framework_export_csv_view, name="framework_export_csv"),
    path("<int:pk>/criteria/new/", views.criterion_create_view, name="criterion_create"),
    path("criteria/<int:pk>/edit/", views.criterion_edit_view, name="criterion_edit"),
    path("criteria/<int:pk>/delete/", views.criterion_delete_view, name="criterion_delete"),
    path("criteria/<int:pk>/preview/", views.criterion_preview_view, name="criterion_preview"),
]
