from django.urls import path

from cchc.portal import editor_views as views

app_name = "portal_editor"
urlpatterns = [
    path("", views.article_list_view, name="articles"),
    path("articles/new/", views.article_edit_view, name="article_new"),
    path("articles/<int:pk>/", views.article_edit_view, name="article_edit"),
    path("articles/<int:pk>/state/", views.article_transition_view, name="article_transition"),
    path("articles/<int:pk>/photos/", views.photo_add_view, name="photo_add"),
    path("photos/<int:pk>/delete/", views.photo_delete_view, name="photo_delete"),
    path("comments/", views.moderation_view, name="moderation"),
    path("comments/<int:pk>/moderate/", views.moderate_view, name="moderate"),
    path("comments/<int:pk>/reply/", views.reply_view, name="reply"),
    path("comments/policy/", views.policy_view, name="policy"),
    path("links/", views.links_view, name="links"),
    path("links/<int:pk>/delete/", views.link_delete_view, name="link_delete"),
    path("statistics/", views.statistics_view, name="statistics"),
]
