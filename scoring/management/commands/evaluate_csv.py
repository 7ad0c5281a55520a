"""`manage.py evaluate_csv results.csv`: the evaluation of GET /results/evaluation/, offline,
for a scored CSV with an outcome column (the export, or score_csv's output)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leads.csv_import import _DECODING, _normalise_header, detect_encoding
from leads.csv_import import _detect_delimiter as detect_delimiter
from leads.outcomes import OUTCOME_COLUMNS, OutcomeError, parse_outcome
from scoring.composition import Thresholds
from scoring.evaluation import Cell, evaluate

# Rows with a problem are named on standard error, up to this many.
MAX_ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Evaluate scores against outcomes from a CSV with a score and an outcome column "
        "(the results export, or score_csv's output with outcomes) and print the report as "
        "JSON: AUC, lift by intent, top shares, deciles, suggested thresholds."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv", help="Scored leads: score and outcome columns at least.")
        parser.add_argument(
            "--high",
            type=int,
            default=None,
            help="High threshold for rows without an intent column "
            "(default: LEADSCORING_HIGH_INTENT_SCORE).",
        )
        parser.add_argument(
            "--medium",
            type=int,
            default=None,
            help="Medium threshold likewise (default: LEADSCORING_MEDIUM_INTENT_SCORE).",
        )
        parser.add_argument("--out", help="Where to write the report (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        cuts = Thresholds(
            high=settings.HIGH_INTENT_SCORE if options["high"] is None else options["high"],
            medium=settings.MEDIUM_INTENT_SCORE if options["medium"] is None else options["medium"],
        )
        if not 0 <= cuts.medium < cuts.high <= 100:
            raise CommandError("Thresholds must satisfy 0 <= medium < high <= 100.")
        path = Path(options["csv"])
        try:
            file = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        histogram: Counter[tuple[int, int | None, int | None, str, str]] = Counter()
        rejected = 0
        with file:
            for line, item in read_scored_rows(file, cuts):
                if isinstance(item, str):
                    rejected += 1
                    if rejected <= MAX_ERRORS_SHOWN:
                        self.stderr.write(f"line {line}: {item}")
                    continue
                histogram[item] += 1
        if not histogram:
            raise CommandError(f"{path}: no usable rows.")
        report = evaluate(
            Cell(score, rule, ai, intent, outcome, count)
            for (score, rule, ai, intent, outcome), count in histogram.items()
        )
        text = json.dumps(report, indent=2) + "\n"
        if options["out"]:
            try:
                Path(options["out"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {options['out']}: {exc.strerror}.") from exc
        else:
            self.stdout.write(text, ending="")
        self.stderr.write(
            f"{sum(histogram.values())} row(s) read, {report['labelled']} with a known "
            f"outcome, {rejected} rejected."
        )


def read_scored_rows(
    file: BinaryIO, cuts: Thresholds
) -> Iterator[tuple[int, tuple[int, int | None, int | None, str, str] | str]]:
    """Yield (line, (score, rule_score, ai_points, intent, outcome)) per row, or (line,
    problem). Raises CommandError when the header has no score or no outcome column."""
    encoding, _ = detect_encoding(file)
    codec, errors = _DECODING[encoding]
    text = io.TextIOWrapper(file, encoding=codec, errors=errors, newline="")
    header_line = text.readline()
    delimiter = detect_delimiter(header_line)
    reader = csv.reader(text, delimiter=delimiter)
    header = [_normalise_header(h) for h in next(csv.reader([header_line], delimiter=delimiter))]
    columns = {name: index for index, name in reversed(list(enumerate(header)))}
    outcome_index = next((columns[c] for c in OUTCOME_COLUMNS if c in columns), None)
    if "score" not in columns or outcome_index is None:
        raise CommandError(
            "The CSV needs a score column and an outcome column (outcome, converted, status, "
            "deal stage or lead status)."
        )
    optional = [columns.get(name) for name in ("rule score", "ai points", "intent")]
    for record in reader:
        line = reader.line_num + 1  # the header is line 1
        if not any(value.strip() for value in record):
            continue
        if len(record) < len(header):
            yield line, f"has {len(record)} values but the header has {len(header)} columns."
            continue
        score = _points(record[columns["score"]])
        if score is None:
            yield line, f"score {record[columns['score']][:40]!r} is not a number from 0 to 100."
            continue
        try:
            outcome = parse_outcome(record[outcome_index])
        except OutcomeError as exc:
            yield line, str(exc)
            continue
        rule_i, ai_i, intent_i = optional
        rule = _points(record[rule_i]) if rule_i is not None else None
        ai = _points(record[ai_i]) if ai_i is not None else None
        intent = record[intent_i].strip().capitalize() if intent_i is not None else ""
        if intent not in ("High", "Medium", "Low"):
            intent = cuts.intent(score).value
        yield line, (score, rule, ai, intent, outcome)


def _points(value: str) -> int | None:
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 3 and int(value) <= 100:
        return int(value)
    return None
