"""The web app's pages, all under /app/."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from webapp.signin import SignInForm
from webapp.views import account, keys, offers, results, runs, uploads

app_name = "webapp"


class IdConverter:
    """A database id: at most 18 digits, so it always fits a bigint (longer ids are a 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class KeyIdConverter:
    """An API key's id ("<prefix>.<hash>"): letters, digits and . _ $ -."""

    regex = "[A-Za-z0-9._$-]{1,150}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "id")
register_converter(KeyIdConverter, "key")

urlpatterns = [
    path("", account.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="webapp/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="webapp/password_change.html",
            success_url="/app/password/done/",
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="webapp/password_done.html"),
        name="password_change_done",
    ),
    path("offers/", offers.offer_index, name="offers"),
    path("offers/new/", offers.offer_new, name="offer_new"),
    path("offers/<id:offer_id>/", offers.offer_edit, name="offer_edit"),
    path("industries/", offers.industry_options, name="industries"),
    path("upload/", uploads.upload_new, name="upload_new"),
    path("uploads/<id:upload_id>/", uploads.upload_report, name="upload"),
    path("score/", runs.score, name="score"),
    path("runs/<id:run_id>/", runs.run_detail, name="run"),
    path("runs/<id:run_id>/cancel/", runs.run_stop, name="run_cancel"),
    path("results/", results.result_index, name="results"),
    path("results/export/", results.result_export, name="export"),
    path("keys/", keys.key_index, name="keys"),
    path("keys/<key:key_id>/revoke/", keys.key_revoke, name="key_revoke"),
]
