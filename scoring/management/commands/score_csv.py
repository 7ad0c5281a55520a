"""`manage.py score_csv leads.csv --offer offer.json`: score a CSV end to end, no server or
database needed."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from leads.csv_import import CsvFormatError, LeadCsvReader, RowError
from offers.serializers import OfferSerializer
from scoring import rules
from scoring.classifiers.base import ClassifierError
from scoring.classifiers.factory import get_classifier
from scoring.composition import score_leads
from scoring.exports import EXPORT_COLUMNS, csv_lines
from scoring.facts import LeadFacts, OfferFacts
from scoring.offer_inputs import thresholds
from scoring.outcome import AiCounts

BATCH = 1000
# The export's columns, with the file's line in place of the database's ids and time.
COLUMNS = tuple(
    "line" if column == "lead_id" else column
    for column in EXPORT_COLUMNS
    if column not in ("offer_id", "run_id", "scored_at", "outcome_at")
)


class Command(BaseCommand):
    help = (
        "Score the leads of a CSV file against an offer (JSON with name, value_props, "
        "ideal_use_cases) and write the results as CSV, without the HTTP server."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "csv", help="The leads: name,role,company,industry,location,linkedin_bio"
        )
        parser.add_argument("--offer", required=True, help="A JSON file with the offer.")
        parser.add_argument("--out", help="Where to write the results (default: standard output).")
        parser.add_argument(
            "--provider",
            help="heuristic, openai or a classifier's dotted path "
            "(default: LEADSCORING_AI_PROVIDER).",
        )
        parser.add_argument(
            "--allow-fallback",
            action="store_true",
            help="Exit 0 even when most leads fell back to the heuristic classifier (the "
            "results are written either way).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        offer = _read_offer(Path(options["offer"]))
        try:
            classifier = get_classifier(options["provider"])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if options["out"]:
            # Written beside the target and moved into place at the end: a failed run leaves
            # an earlier results file untouched.
            target = Path(options["out"])
            partial = target.with_name(f".{target.name}.partial")
            try:
                with partial.open("w", encoding="utf-8", newline="") as out:
                    counts = self._score(Path(options["csv"]), offer, classifier, out.write)
                partial.replace(target)
            except OSError as exc:
                raise CommandError(f"Cannot write {target}: {exc.strerror}.") from exc
            finally:
                partial.unlink(missing_ok=True)
        else:
            counts = self._score(
                Path(options["csv"]),
                offer,
                classifier,
                lambda text: self.stdout.write(text, ending=""),
            )
        ai = AiCounts.of(counts["statuses"].elements())
        models = ", ".join(sorted(counts["models"])) or "none"
        self.stderr.write(
            f"{counts['scored']} lead(s) scored with {classifier.name} (model: {models}): "
            f"{ai.summary(classifier.name)}; {counts['duplicates']} duplicate(s) skipped, "
            f"{counts['rejected']} row(s) rejected."
        )
        if ai.degraded and not options["allow_fallback"]:
            raise CommandError(
                f"{' '.join(ai.warnings())} Pass --allow-fallback to accept such a run."
            )

    def _score(
        self, path: Path, offer: OfferFacts, classifier: Any, write: Callable[[str], Any]
    ) -> dict[str, Any]:
        counts: dict[str, Any] = {
            "scored": 0,
            "duplicates": 0,
            "rejected": 0,
            "statuses": Counter(),  # ai_status of every scored lead
            "models": set(),  # the models that answered, as the server named them
        }
        seen: set[str] = set()
        try:
            file = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        with (
            file,
            tqdm(
                total=path.stat().st_size, unit="B", unit_scale=True, file=sys.stderr, disable=None
            ) as bar,
        ):
            try:
                reader = LeadCsvReader(file)
                batch: list = []

                def rows() -> Any:
                    for item in reader:
                        bar.n = file.tell()
                        bar.refresh()
                        if isinstance(item, RowError):
                            counts["rejected"] += 1
                            self.stderr.write(f"line {item.line}: {item.message}")
                            continue
                        if item.dedupe_key in seen:
                            counts["duplicates"] += 1
                            continue
                        seen.add(item.dedupe_key)
                        batch.append(item)
                        if len(batch) >= BATCH:
                            yield from self._batch(batch, offer, classifier, counts)
                            counts["scored"] += len(batch)
                            batch.clear()
                    if batch:
                        yield from self._batch(batch, offer, classifier, counts)
                        counts["scored"] += len(batch)

                for chunk in csv_lines(rows(), header=COLUMNS):
                    write(chunk)
            except CsvFormatError as exc:
                raise CommandError(f"{path}: {exc.message}") from exc
            except ClassifierError as exc:
                raise CommandError(exc.message) from exc
        return counts

    def _batch(
        self, batch: list, offer: OfferFacts, classifier: Any, counts: dict[str, Any]
    ) -> Any:
        leads = [
            LeadFacts(r.name, r.role, r.company, r.industry, r.location, r.linkedin_bio)
            for r in batch
        ]
        for row, s in zip(batch, score_leads(offer, leads, classifier, thresholds()), strict=True):
            counts["statuses"][s.ai.status] += 1
            if s.ai.provider == classifier.name:
                counts["models"].add(s.ai.model)
            yield (
                row.name,
                row.role,
                row.company,
                s.intent.value,
                s.score,
                s.reasoning,
                row.industry,
                row.location,
                s.rule.total,
                s.rule.role_points,
                s.rule.industry_points,
                s.rule.completeness_points,
                s.ai.intent.value,
                s.ai_points,
                s.ai.provider,
                s.ai.model,
                s.ai.status,
                row.line,
                rules.RULES_VERSION,
                classifier.prompt_version if s.ai.provider == classifier.name else "",
                s.inputs_hash,
                row.outcome,
            )


def _read_offer(path: Path) -> OfferFacts:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"Cannot read the offer {path}: {exc.strerror}.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(f"The offer {path} is not valid JSON: {exc}.") from exc
    serializer = OfferSerializer(data=data)
    if not serializer.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(map(str, errors))}" for field, errors in serializer.errors.items()
        )
        raise CommandError(f"Invalid offer in {path}: {problems}")
    valid = serializer.validated_data
    return OfferFacts(
        name=valid["name"],
        value_props=tuple(valid["value_props"]),
        ideal_use_cases=tuple(valid["ideal_use_cases"]),
        icp_industries=tuple(valid.get("icp_industries", ())),
        adjacent_industries=tuple(valid.get("adjacent_industries", ())),
    )
