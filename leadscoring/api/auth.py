"""API-key authentication: every request acts in exactly one workspace."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from workspaces.models import Workspace, WorkspaceAPIKey
from workspaces.services import workspace_get_or_create


@dataclass(frozen=True)
class WorkspaceUser:
    """The caller of a request: whoever holds a key of `workspace`."""

    workspace: Workspace
    is_authenticated: bool = True
    is_anonymous: bool = False


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate `Authorization: Api-Key <key>` as the key's workspace.

    Without a header, and only when LEADSCORING_ANONYMOUS_WORKSPACE is set (a laptop), the
    request acts in that workspace.
    """

    keyword = "Api-Key"
    key_parser = KeyParser()

    def authenticate(self, request: Request) -> tuple[WorkspaceUser, WorkspaceAPIKey | None] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            if settings.ANONYMOUS_WORKSPACE:
                workspace = workspace_get_or_create(name=settings.ANONYMOUS_WORKSPACE)
                return _seen(request, WorkspaceUser(workspace)), None
            return None
        key = self.key_parser.get_from_authorization(request)
        if key and not key.strip().isprintable():
            key = None  # control characters (NUL...) are never part of a key
        if not key:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: expected 'Api-Key <key>'."
            )
        try:
            api_key = WorkspaceAPIKey.objects.get_from_key(key.strip())
        except WorkspaceAPIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        return _seen(request, WorkspaceUser(api_key.workspace)), api_key

    def authenticate_header(self, request: Request) -> str:
        # A WWW-Authenticate value makes DRF answer 401 rather than 403 without credentials.
        return self.keyword


def _seen(request: Request, user: WorkspaceUser) -> WorkspaceUser:
    # The access log (leadscoring.api.middleware) names the workspace of each request.
    request._request.api_user = user
    return user


class HasWorkspace(permissions.BasePermission):
    """Allow requests authenticated as a workspace."""

    message = "Authentication required: send 'Authorization: Api-Key <key>'."

    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.user, WorkspaceUser)


def request_workspace(request: Request) -> Workspace:
    """Return the workspace the (authenticated) request acts in."""
    user = request.user
    if not isinstance(user, WorkspaceUser):
        raise exceptions.NotAuthenticated()
    return user.workspace


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Document ApiKeyAuthentication in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, as printed by `manage.py create_api_key <workspace>`.",
        }
