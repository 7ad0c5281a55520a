"""The web app's forms: they parse what a page posts; the API's serializers keep the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from leads.selectors import upload_list
from offers.selectors import offer_list
from offers.serializers import OfferSerializer
from scoring.models import Intent
from scoring.selectors import ResultFilters
from workspaces.models import Workspace

LIST_FIELDS = ("value_props", "ideal_use_cases", "icp_industries", "adjacent_industries")
# Longest text a list field takes: 50 items of 500 characters, with their line breaks.
MAX_LIST_CHARS = 50 * 502

SORTS = {
    "-score": "Best score first",
    "score": "Lowest score first",
    "name": "Name A-Z",
    "-name": "Name Z-A",
    "-scored_at": "Newest first",
    "scored_at": "Oldest first",
}


def _lines(label: str, help_text: str, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=MAX_LIST_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _as_text(items: list[str | int]) -> str:
    # Industries may be stored as LinkedIn V2 ids: shown, and saved back, as they are.
    return "\n".join(map(str, items))


def _industry(value: str) -> str | int:
    return int(value) if value.isdigit() and len(value) < 10 else value


def _messages(errors: Any) -> list[str]:
    """Flatten a serializer's errors for one field: list items are named by their line."""
    if isinstance(errors, dict):
        return [
            f"Line {int(index) + 1}: {message}"
            for index, item_errors in errors.items()
            for message in _messages(item_errors)
        ]
    if isinstance(errors, list):
        return [str(error) for error in errors]
    return [str(errors)]


class OfferForm(forms.Form):
    """An offer, its lists one item per line; validated by the API's OfferSerializer."""

    name = forms.CharField(label="Offer name", max_length=200)
    value_props = _lines("Value propositions", "One per line, e.g. “24/7 outreach”.", required=True)
    ideal_use_cases = _lines(
        "Ideal use cases", "One per line, e.g. “B2B SaaS mid-market”.", required=True
    )
    icp_industries = _lines(
        "Ideal customer industries",
        "One per line. Optional: when set, these decide the industry fit.",
        required=False,
    )
    adjacent_industries = _lines(
        "Adjacent industries", "One per line. Optional: a partial industry fit.", required=False
    )

    @classmethod
    def initial_for(cls, offer: Any) -> dict[str, str]:
        return {"name": offer.name, **{f: _as_text(getattr(offer, f)) for f in LIST_FIELDS}}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        data: dict[str, Any] = {}
        if "name" in cleaned:
            data["name"] = cleaned["name"]
        for field in LIST_FIELDS:
            if field in cleaned:
                data[field] = [line.strip() for line in cleaned[field].splitlines() if line.strip()]
                if field.endswith("industries"):  # a line of digits is a LinkedIn V2 id
                    data[field] = [
                        int(v) if v.isdigit() and len(v) < 10 else v for v in data[field]
                    ]
                if self.fields[field].required and not data[field]:
                    self.add_error(field, "Give at least one, one per line.")
        serializer = OfferSerializer(data=data)
        if serializer.is_valid() and not self.errors:
            self.offer_data = dict(serializer.validated_data)
            return cleaned
        for field, errors in serializer.errors.items():
            if field in self.errors:
                continue  # the form has said what is wrong with it already
            for message in _messages(errors):
                self.add_error(field if field in self.fields else None, message)
        return cleaned


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns name, role, company, industry, location, linkedin_bio (any order).",
        error_messages={
            "required": "Choose a CSV file to upload.",
            "empty": "That file is empty: choose a CSV with a header row and some leads.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size is not None and file.size > settings.MAX_UPLOAD_BYTES:
            limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
            raise forms.ValidationError(
                f"That file is larger than the {limit} MB allowed: split it into smaller files.",
                code="too_large",
            )
        return file


class ScoreForm(forms.Form):
    """What to score: an offer and the leads (every lead, or one upload's)."""

    offer = forms.ModelChoiceField(
        label="Offer",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "Pick one of your offers."},
    )
    upload = forms.ModelChoiceField(
        label="Leads",
        queryset=None,
        required=False,
        empty_label="All leads of the workspace",
        error_messages={"invalid_choice": "Pick one of your uploads, or all leads."},
    )
    # Set by the estimate's confirmation page: the person has seen what the run would cost.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offer_list(workspace=workspace)
        self.fields["upload"].queryset = upload_list(workspace=workspace)
        self.fields["upload"].label_from_instance = _upload_label


def _upload_label(upload: Any) -> str:
    return f"{upload.filename or 'Upload'} #{upload.pk} ({upload.created} leads)"


class ResultFilterForm(forms.Form):
    """The results page's filters, sorting and page; every field optional."""

    offer = forms.ModelChoiceField(
        label="Offer",
        queryset=None,
        required=False,
        empty_label="All offers",
        error_messages={"invalid_choice": "That offer does not exist: pick one from the list."},
    )
    upload = forms.ModelChoiceField(
        label="Upload",
        queryset=None,
        required=False,
        empty_label="All uploads",
        error_messages={"invalid_choice": "That upload does not exist: pick one from the list."},
    )
    intent = forms.ChoiceField(
        label="Intent",
        required=False,
        choices=[("", "Any intent"), *Intent.choices],
        error_messages={"invalid_choice": "Intent is High, Medium or Low."},
    )
    min_score = forms.IntegerField(
        label="Minimum score",
        required=False,
        min_value=0,
        max_value=100,
        error_messages={"invalid": "The minimum score is a whole number from 0 to 100."},
    )
    q = forms.CharField(label="Name or company", required=False, max_length=200)
    ordering = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=list(SORTS.items()),
        error_messages={"invalid_choice": "Pick a sort order from the list."},
    )
    page = forms.IntegerField(
        label="Page",
        required=False,
        min_value=1,
        max_value=10**9,
        widget=forms.HiddenInput,
        error_messages={"invalid": "The page is a whole number from 1."},
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offer_list(workspace=workspace)
        self.fields["upload"].queryset = upload_list(workspace=workspace)
        self.fields["upload"].label_from_instance = _upload_label
        for name in ("min_score",):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    def filters(self) -> ResultFilters:
        data = self.cleaned_data
        return ResultFilters(
            offer_id=data["offer"].pk if data.get("offer") else None,
            upload_id=data["upload"].pk if data.get("upload") else None,
            intent=data.get("intent") or None,
            min_score=data.get("min_score"),
            q=(data.get("q") or "").strip() or None,
            ordering=data.get("ordering") or "-score",
        )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Key name",
        max_length=50,
        required=False,
        help_text="What the key is for, e.g. “CRM sync”.",
    )
