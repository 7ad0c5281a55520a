"""Workspaces and the hashed API keys that act in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class Workspace(models.Model):
    """A team; everything the API stores belongs to exactly one workspace."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in a workspace: the web app shows them that workspace, as a key would."""

    # One workspace per person: what they see is never ambiguous.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace}"


class WorkspaceAPIKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> QuerySet[WorkspaceAPIKey]:
        # Authentication needs the workspace of every key it finds: one query, not two.
        return super().get_usable_keys().select_related("workspace")


class WorkspaceAPIKey(AbstractAPIKey):
    """An API key (stored hashed) that authenticates requests as its workspace."""

    objects = WorkspaceAPIKeyManager()
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "workspace API key"
        verbose_name_plural = "workspace API keys"
