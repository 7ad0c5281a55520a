"""Write operations on workspaces and their keys."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from leadscoring.results_cache import results_changed
from workspaces.erasure import delete_rows, workspace_erasing
from workspaces.models import Membership, Workspace, WorkspaceAPIKey


@transaction.atomic
def api_key_create(*, workspace_name: str, key_name: str = "") -> tuple[WorkspaceAPIKey, str]:
    """Create an API key for the named workspace, creating the workspace if needed.

    Returns the stored key and the plain-text key, which is shown once and never stored.
    Raises ValueError when the name is blank or too long.
    """
    name = workspace_name.strip()
    if not name or len(name) > 100:
        raise ValueError("The workspace name must be 1-100 characters.")
    workspace, _ = Workspace.objects.get_or_create(name=name)
    return WorkspaceAPIKey.objects.create_key(
        workspace=workspace, name=key_name.strip()[:50] or f"{name} key"
    )


def api_key_revoke(*, workspace: Workspace, key_id: str) -> WorkspaceAPIKey:
    """Revoke the workspace's key `key_id` for good and return it.

    Raises WorkspaceAPIKey.DoesNotExist when the key is unknown or another workspace's.
    """
    api_key = WorkspaceAPIKey.objects.get(workspace=workspace, pk=key_id)
    if not api_key.revoked:
        api_key.revoked = True
        api_key.save(update_fields=["revoked"])
    return api_key


@transaction.atomic
def user_create(*, workspace_name: str, email: str, password: str) -> AbstractBaseUser:
    """Create a person who signs in to the web app with `email` and `password`, as a member of
    the named workspace (created if needed); return the user.

    The email, lower-cased, is the username. Raises ValidationError with plain messages when
    the workspace name or email is invalid, the email is taken, or the password is too weak.
    """
    name = workspace_name.strip()
    if not name or len(name) > 100:
        raise ValidationError("The workspace name must be 1-100 characters.")
    email = email.strip().lower()
    validate_email(email)
    user_model = get_user_model()
    if user_model.objects.filter(username=email).exists():
        raise ValidationError(f"A user {email!r} already exists.")
    user = user_model(username=email, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, workspace=workspace_get_or_create(name=name))
    return user


def workspace_get_or_create(*, name: str) -> Workspace:
    """Return the workspace called `name`, creating it on first use."""
    workspace, _ = Workspace.objects.get_or_create(name=name)
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> dict[str, int]:
    """Erase `workspace` and everything it holds; return how many of each kind were erased.

    The apps built on workspaces erase their rows first, in bulk (see `workspace_erasing`).
    """
    answers = workspace_erasing.send(sender=Workspace, workspace=workspace)
    # Apps that depend on others are installed after them: their counts are listed first.
    counts = {label: count for _, erased in reversed(answers) for label, count in erased.items()}
    counts["API keys"] = delete_rows(WorkspaceAPIKey, "workspace_id = %s", workspace.pk)
    # People are personal data too: their accounts go with the workspace (memberships and
    # sessions cascade).
    counts["users"] = (
        get_user_model()
        .objects.filter(membership__workspace=workspace)
        .delete()[1]
        .get(get_user_model()._meta.label, 0)
    )
    workspace_id = workspace.pk
    workspace.delete()
    results_changed(workspace_id=workspace_id)
    return counts
