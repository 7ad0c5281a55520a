"""Routes of offers."""

from leadscoring.api.routes import route
from offers import views

urlpatterns = [
    route(r"offer", views.OfferListCreateView.as_view(), "offer-list"),
    route(r"offer/(?P<offer_id>[0-9]{1,18})", views.OfferDetailView.as_view(), "offer-detail"),
]
