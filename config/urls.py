from captcha import views as captcha_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from cchc.api.api import api
from cchc.core import health, metrics

urlpatterns = [
    # For load balancers and monitoring, on every host, without a login (docs/operations.md).
    path("health/live", health.live_view, name="health-live"),
    path("health/ready", health.ready_view, name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # The public portal is the site's front page; the working app lives under its prefixes.
    path("", include("cchc.portal.urls")),
    path("app/", include("cchc.core.urls")),
    path("editor/", include("cchc.portal.editor_urls")),
    path("feedback/", include("cchc.portal.feedback_urls")),
    # The verification code's image (the only part of django-simple-captcha in use: no audio).
    path(
        "captcha/image/<str:key>/", captcha_views.captcha_image, {"scale": 1}, name="captcha-image"
    ),
    path("accounts/", include("cchc.accounts.urls")),
    path("units/", include("cchc.orgunits.urls")),
    path("frameworks/", include("cchc.frameworks.urls")),
    path("rounds/", include("cchc.assessments.urls")),
    path("inspections/", include("cchc.inspections.urls")),
    path("documents/", include("cchc.documents.urls")),
    path("indicators/", include("cchc.indicators.urls")),
    path("inbox/", include("cchc.notifications.urls")),
    path("overview/", include("cchc.analytics.urls")),
    # The integration API (docs/api.md) and the administrator's pages for its clients.
    path("api/v1/", api.urls),
    path("app/api-clients/", include("cchc.api.urls")),
    # Django admin is a back door for system administrators only; users work in CCHC's pages.
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "cchc.core.views.bad_request"
handler403 = "cchc.core.views.permission_denied"
handler404 = "cchc.core.views.page_not_found"
handler500 = "cchc.core.views.server_error"
