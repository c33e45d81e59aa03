from django.urls import path

from cchc.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.round_list_view, name="round_list"),
    path("new/", views.round_create_view, name="round_create"),
    path("<int:pk>/", views.round_detail_view, name="round_detail"),
    path("<int:pk>/advance/", views.round_advance_view, name="round_advance"),
    path("<int:pk>/deadlines/", views.round_deadlines_view, name="round_deadlines"),
    path("<int:pk>/appraisal/", views.appraisal_view, name="appraisal"),
    path("<int:pk>/appraisal/progress/", views.appraisal_progress_view, name="appraisal_progress"),
    path(
        "<int:pk>/appraisal/<int:criterion_pk>/accept/",
        views.appraisal_accept_view,
        name="appraisal_accept",
    ),
    path("<int:pk>/results/", views.results_view, name="results"),
    path("<int:pk>/results.xlsx", views.results_export_view, name="results_export"),
    path("assessments/<int:pk>/", views.assessment_detail_view, name="assessment_detail"),
    path("assessments/<int:pk>/submit/", views.assessment_submit_view, name="assessment_submit"),
    path("assessments/<int:pk>/verify/", views.assessment_verify_view, name="assessment_verify"),
    path("assessments/<int:pk>/fill/", views.assessment_fill_view, name="assessment_fill"),
    path("assessments/<int:pk>/return/", views.assessment_return_view, name="assessment_return"),
    path("assessments/<int:pk>/extend/", views.assessment_extend_view, name="assessment_extend"),
    path(
        "assessments/<int:pk>/criteria/<int:criterion_pk>/score/",
        views.score_save_view,
        name="score_save",
    ),
    path(
        "assessments/<int:pk>/criteria/<int:criterion_pk>/confirm/",
        views.score_confirm_view,
        name="score_confirm",
    ),
    path(
        "assessments/<int:pk>/areas/<int:area_pk>/confirm/",
        views.area_confirm_view,
        name="area_confirm",
    ),
    path(
        "assessments/<int:pk>/criteria/<int:criterion_pk>/evidence/",
        views.evidence_add_view,
        name="evidence_add",
    ),
    path(
        "assessments/<int:pk>/criteria/<int:criterion_pk>/evidence/add/",
        views.evidence_forms_view,
        name="evidence_forms",
    ),
    path(
        "assessments/<int:pk>/criteria/<int:criterion_pk>/evidence/<int:evidence_pk>/detach/",
        views.evidence_detach_view,
        name="evidence_detach",
    ),
    path(
        "assessments/<int:pk>/criteria/<int:criterion_pk>/appraise/",
        views.score_appraise_view,
        name="score_appraise",
    ),
    path(
        "assessments/<int:pk>/criteria/<int:criterion_pk>/appeal/",
        views.appeal_file_view,
        name="appeal_file",
    ),
    path(
        "assessments/<int:pk>/criteria/<int:criterion_pk>/ask/",
        views.question_ask_view,
        name="question_ask",
    ),
    path("questions/<int:pk>/answer/", views.question_answer_view, name="question_answer"),
    path("assessments/<int:pk>/appeals/", views.appeal_list_view, name="appeal_list"),
    path("appeals/<int:pk>/decide/", views.appeal_decide_view, name="appeal_decide"),
    path("evidence/<int:pk>/", views.evidence_download_view, name="evidence_download"),
    path("evidence/<int:pk>/check/", views.evidence_check_view, name="evidence_check"),
]
