from django.urls import path

from cchc.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.register_view, name="register"),
    path("preview/<str:kind>/<int:pk>/", views.preview_view, name="preview"),
    path("preview/<str:kind>/<int:pk>/raw/", views.preview_raw_view, name="preview_raw"),
    path("preview/<str:kind>/<int:pk>/draft.docx", views.draft_docx_view, name="draft_docx"),
    path("issue/<str:kind>/<int:pk>/", views.issue_view, name="issue"),
    path("<int:pk>/", views.issued_detail_view, name="issued_detail"),
    path("<int:pk>/file/<str:fmt>/", views.issued_file_view, name="issued_file"),
    path("<int:pk>/scan/", views.scan_upload_view, name="scan_upload"),
    path("<int:pk>/sign/", views.sign_view, name="sign"),
    path("<int:pk>/check/", views.check_view, name="check"),
    path("signatures/", views.signatures_view, name="signatures"),
    path("signatures/certificate/", views.certificate_upload_view, name="certificate_upload"),
    path("signatures/root/", views.trust_root_view, name="trust_root"),
    path("templates/<str:kind>/", views.template_download_view, name="template_download"),
    path("templates/<str:kind>/upload/", views.template_upload_view, name="template_upload"),
    path("bulk/plans/<int:pk>/", views.bulk_start_view, name="bulk_start"),
    path("bulk/<int:pk>/", views.bulk_detail_view, name="bulk_detail"),
    path("bulk/<int:pk>/archive.zip", views.bulk_download_view, name="bulk_download"),
]
