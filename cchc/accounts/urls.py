from django.contrib.auth import views as auth_views
from django.urls import path

from cchc.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.profile_view, name="profile"),
    path("me/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("me/email/", views.profile_email_view, name="profile_email"),
    path("language/", views.language_set_view, name="language_set"),
    path("users/", views.user_list_view, name="user_list"),
    path("users/new/", views.user_create_view, name="user_create"),
    path("users/<int:pk>/", views.user_detail_view, name="user_detail"),
    path("users/<int:pk>/memberships/", views.membership_add_view, name="membership_add"),
    path("users/<int:pk>/email/", views.user_email_view, name="user_email"),
    path("users/<int:pk>/password/", views.user_password_view, name="user_password"),
    path("memberships/<int:pk>/end/", views.membership_end_view, name="membership_end"),
]
