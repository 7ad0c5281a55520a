"""Root URL configuration: the spec's paths, the docs, the admin, the health check and the
web app (/app/)."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from leadscoring.api import views
from leadscoring.api.errors import page_not_found
from leadscoring.api.routes import route

urlpatterns = [
    route(r"", views.IndexView.as_view(), "index"),
    route(r"healthz", views.HealthView.as_view(), "health"),
    path("", include("offers.urls")),
    path("", include("leads.urls")),
    path("", include("scoring.urls")),
    route(r"api/schema", SpectacularAPIView.as_view(), "schema"),
    route(r"api/docs", SpectacularSwaggerView.as_view(url_name="schema"), "docs"),
    path("admin/", admin.site.urls),
    path("app/", include("webapp.urls")),
    # JSON 404s for unknown paths, whatever the method (so no CSRF check), even with DEBUG on,
    # where handler404 is not used.
    re_path(r"^.*$", csrf_exempt(page_not_found)),
]

handler400 = "leadscoring.api.errors.bad_request"
handler403 = "leadscoring.api.errors.permission_denied"
handler404 = "leadscoring.api.errors.page_not_found"
handler500 = "leadscoring.api.errors.server_error"
