"""Routes of leads and uploads."""

from leads import outcome_views, views
from leadscoring.api.routes import route

ID = r"[0-9]{1,18}"

urlpatterns = [
    route(r"leads/upload", views.LeadUploadView.as_view(), "leads-upload"),
    route(r"leads/uploads", views.UploadListView.as_view(), "upload-list"),
    route(rf"leads/uploads/(?P<upload_id>{ID})", views.UploadDetailView.as_view(), "upload-detail"),
    route(r"leads/outcomes", outcome_views.OutcomeImportView.as_view(), "lead-outcomes"),
    route(r"leads", views.LeadListView.as_view(), "lead-list"),
    route(rf"leads/(?P<lead_id>{ID})", views.LeadDetailView.as_view(), "lead-detail"),
]
