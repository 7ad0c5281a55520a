"""Routes of scoring: runs, results, the export and the industry taxonomy."""

from leadscoring.api.routes import route
from scoring import evaluation_views, industry_views, result_views, run_views

ID = r"[0-9]{1,18}"

urlpatterns = [
    route(r"score", run_views.ScoreView.as_view(), "score"),
    route(r"score/runs", run_views.RunListView.as_view(), "run-list"),
    route(rf"score/runs/(?P<run_id>{ID})", run_views.RunDetailView.as_view(), "run-detail"),
    route(rf"score/runs/(?P<run_id>{ID})/cancel", run_views.RunCancelView.as_view(), "run-cancel"),
    route(r"results", result_views.ResultListView.as_view(), "result-list"),
    route(r"results/export", result_views.ResultExportView.as_view(), "result-export"),
    route(
        r"results/evaluation",
        evaluation_views.ResultEvaluationView.as_view(),
        "result-evaluation",
    ),
    route(
        rf"results/(?P<result_id>{ID})", result_views.ResultDetailView.as_view(), "result-detail"
    ),
    route(r"industries", industry_views.IndustryListView.as_view(), "industry-list"),
]
