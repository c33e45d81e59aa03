from django.urls import path

from cchc.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("tin-tuc/", views.article_list_view, name="articles"),
    path("tin-tuc/<slug:slug>/", views.article_view, name="article"),
    path("tin-tuc/<slug:slug>/binh-luan/", views.comment_view, name="comment"),
    path("binh-luan/<int:pk>/bao-cao/", views.report_view, name="report"),
    path("danh-gia/<str:target>/<int:pk>/", views.rate_view, name="rate"),
    path("ma-xac-thuc/", views.captcha_view, name="captcha"),
    path("xep-hang/", views.ranking_view, name="ranking"),
    path("xep-hang/<int:pk>/", views.ranking_view, name="ranking_round"),
    # A unit code is free text (it may hold a "/"): the path converter takes it whole.
    path("don-vi/<path:code>/", views.unit_view, name="unit"),
    path("ban-do-hanh-chinh/", views.map_view, name="map"),
    path("ban-do-hanh-chinh/du-lieu.json", views.map_data_view, name="map_data"),
    path("van-ban/<int:pk>/", views.document_view, name="document"),
    path("anh/<int:pk>/", views.photo_view, name="photo"),
    path("phan-anh-kien-nghi/", views.feedback_view, name="feedback"),
    path("phan-anh-kien-nghi/tra-cuu/", views.feedback_lookup_view, name="feedback_lookup"),
    path("phan-anh-kien-nghi/da-tra-loi/", views.feedback_answers_view, name="feedback_answers"),
]
