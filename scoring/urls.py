"""Routes of scoring (built in the scoring-engine issue)."""

urlpatterns: list = []
