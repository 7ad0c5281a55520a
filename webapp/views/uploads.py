"""Upload pages: send a CSV (picked or dropped), then its row report; the list of uploads."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from leads.csv_import import CsvFormatError
from leads.parsers import max_body_bytes
from leads.selectors import upload_get, upload_list
from leads.services import leads_import_csv
from leads.views import safe_filename
from webapp.access import workspace_page
from webapp.forms import UploadForm
from workspaces.models import Workspace

# Uploads listed on the page: the newest.
LISTED = 20


@workspace_page
def upload_new(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    uploads = upload_list(workspace=workspace)[:LISTED]
    if request.method != "POST":
        return render(request, "webapp/upload.html", {"form": UploadForm(), "uploads": uploads})
    if _declared_length(request) > max_body_bytes():
        # Refused before Django reads the body.
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        context = {
            "form": UploadForm(),
            "uploads": uploads,
            "refusal": f"That file is larger than the {limit} MB allowed: split it into smaller "
            "files.",
        }
        return render(request, "webapp/upload.html", context, status=413)
    form = UploadForm(request.POST, request.FILES)
    status = 413 if form.has_error("file", code="too_large") else 400
    if form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = leads_import_csv(
                workspace=workspace,
                file=file.file,
                filename=safe_filename(file.name or ""),
                size_bytes=file.size or 0,
                max_rows=settings.MAX_UPLOAD_ROWS,
            )
        except CsvFormatError as exc:
            form.add_error("file", f"This file could not be read as leads: {exc.message}")
            status = 413 if exc.too_large else 400
        else:
            return redirect("webapp:upload", upload_id=upload.pk)
        finally:
            file.close()
    return render(request, "webapp/upload.html", {"form": form, "uploads": uploads}, status=status)


@workspace_page
def upload_report(request: HttpRequest, workspace: Workspace, upload_id: int) -> HttpResponse:
    upload = upload_get(workspace=workspace, upload_id=upload_id)
    return render(request, "webapp/upload_report.html", {"upload": upload})


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
