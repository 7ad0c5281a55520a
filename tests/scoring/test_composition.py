"""composition: rule points + AI points, intent thresholds, reasoning, inputs hash, score_leads.

Pure: no database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from scoring import rules
from scoring.classifiers.base import Classification, Intent
from scoring.composition import Thresholds, compose, inputs_hash, score_leads
from scoring.facts import LEAD_FIELDS, LeadFacts, OfferFacts

OFFER = OfferFacts(
    name="AI Outreach Automation",
    value_props=("24/7 outreach", "6x more meetings"),
    ideal_use_cases=("B2B SaaS mid-market",),
)
LEAD = LeadFacts(
    name="Ava Patel",
    role="VP Sales",
    company="FlowMetrics",
    industry="SaaS",
    location="Austin, TX",
    linkedin_bio="Scaling outbound at a Series B SaaS company.",
)


def rule_score(role: int, industry: int, completeness: int) -> rules.RuleScore:
    return rules.RuleScore(
        role_points=role,
        industry_points=industry,
        completeness_points=completeness,
        role=rules.RoleMatch("decision_maker" if role == 20 else "none", ""),
        industry=rules.IndustryMatch("exact" if industry == 20 else "none", None),
        reasons=(f"role (+{role})", f"industry (+{industry})", f"completeness (+{completeness})"),
    )


def classification(
    intent: Intent, reasoning: str = "Fits.", *, status: str = "ok"
) -> Classification:
    return Classification(
        intent=intent, reasoning=reasoning, status=status, provider="stub", model="stub-1"
    )


def lead(number: int, role: str = "VP Sales") -> LeadFacts:
    return LEAD._replace(name=f"Person {number}", role=role)


@pytest.mark.parametrize(
    ("points", "ai_intent", "score", "intent"),
    [
        ((20, 20, 10), Intent.HIGH, 100, Intent.HIGH),
        ((20, 20, 10), Intent.MEDIUM, 80, Intent.HIGH),
        ((20, 20, 10), Intent.LOW, 60, Intent.MEDIUM),
        ((20, 0, 0), Intent.HIGH, 70, Intent.HIGH),
        ((10, 0, 0), Intent.MEDIUM, 40, Intent.MEDIUM),
        ((0, 0, 0), Intent.HIGH, 50, Intent.MEDIUM),
        ((0, 0, 0), Intent.MEDIUM, 30, Intent.LOW),
        ((0, 0, 0), Intent.LOW, 10, Intent.LOW),
        ((0, 20, 10), Intent.LOW, 40, Intent.MEDIUM),
    ],
)
def test_score_is_the_rule_total_plus_the_ai_points_and_sets_the_intent(
    points, ai_intent, score, intent
):
    result = compose(OFFER, LEAD, rule_score(*points), classification(ai_intent), Thresholds())

    assert result.score == score
    assert result.intent == intent
    assert result.ai_points == score - sum(points)


@pytest.mark.parametrize(
    ("ai_intent", "points"), [(Intent.HIGH, 50), (Intent.MEDIUM, 30), (Intent.LOW, 10)]
)
def test_ai_points_follow_the_ai_intent(ai_intent, points):
    result = compose(OFFER, LEAD, rule_score(0, 0, 0), classification(ai_intent), Thresholds())

    assert result.ai_points == points


@pytest.mark.parametrize(
    ("score", "intent"),
    [
        (0, Intent.LOW),
        (39, Intent.LOW),
        (40, Intent.MEDIUM),
        (69, Intent.MEDIUM),
        (70, Intent.HIGH),
        (100, Intent.HIGH),
    ],
)
def test_default_thresholds_put_high_from_70_and_medium_from_40(score, intent):
    assert Thresholds().intent(score) == intent


@pytest.mark.parametrize(
    ("score", "intent"),
    [(49, Intent.LOW), (50, Intent.MEDIUM), (79, Intent.MEDIUM), (80, Intent.HIGH)],
)
def test_custom_thresholds_move_the_cut_offs(score, intent):
    assert Thresholds(high=80, medium=50).intent(score) == intent


def test_compose_applies_the_thresholds_it_is_given():
    custom = Thresholds(high=90, medium=70)

    result = compose(OFFER, LEAD, rule_score(20, 20, 10), classification(Intent.LOW), custom)

    assert (result.score, result.intent) == (60, Intent.LOW)


def test_reasoning_is_the_rule_reasons_then_the_ai_part():
    result = compose(
        OFFER,
        LEAD,
        rule_score(20, 20, 10),
        classification(Intent.HIGH, "  Decision maker in the ICP.  "),
        Thresholds(),
    )

    assert result.reasoning == (
        "role (+20); industry (+20); completeness (+10). AI (stub): High. "
        "Decision maker in the ICP."
    )


def test_reasoning_without_ai_words_ends_with_the_ai_intent():
    result = compose(OFFER, LEAD, rule_score(0, 0, 0), classification(Intent.LOW, ""), Thresholds())

    assert result.reasoning == "role (+0); industry (+0); completeness (+0). AI (stub): Low."


def test_compose_keeps_the_rule_score_and_the_classification():
    rule = rule_score(20, 0, 10)
    ai = classification(Intent.MEDIUM)

    result = compose(OFFER, LEAD, rule, ai, Thresholds())

    assert (result.rule, result.ai) == (rule, ai)
    assert result.inputs_hash == inputs_hash(OFFER, LEAD)


def test_inputs_hash_is_a_stable_hex_digest_of_equal_content():
    digest = inputs_hash(OFFER, LEAD)

    assert len(digest) == 32
    assert int(digest, 16) >= 0
    assert inputs_hash(dataclasses.replace(OFFER), LEAD._replace()) == digest


def test_inputs_hash_ignores_the_rule_and_ai_verdicts():
    high = compose(OFFER, LEAD, rule_score(20, 20, 10), classification(Intent.HIGH), Thresholds())
    low = compose(OFFER, LEAD, rule_score(0, 0, 0), classification(Intent.LOW), Thresholds(90, 80))

    assert high.inputs_hash == low.inputs_hash


@pytest.mark.parametrize("field", LEAD_FIELDS)
def test_inputs_hash_changes_when_any_lead_field_changes(field):
    changed = LEAD._replace(**{field: getattr(LEAD, field) + " (edited)"})

    assert inputs_hash(OFFER, changed) != inputs_hash(OFFER, LEAD)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "AI Outreach Automation Pro"),
        ("value_props", ("24/7 outreach",)),
        ("value_props", ("24/7 outreach", "6x more meetings", "CRM sync")),
        ("ideal_use_cases", ("B2B SaaS enterprise",)),
        ("icp_industries", ("Fintech",)),
        ("adjacent_industries", ("IT Services",)),
    ],
)
def test_inputs_hash_changes_when_any_offer_field_changes(field, value):
    changed = dataclasses.replace(OFFER, **{field: value})

    assert inputs_hash(changed, LEAD) != inputs_hash(OFFER, LEAD)


def test_inputs_hash_tells_which_offer_list_an_item_belongs_to():
    as_value_prop = dataclasses.replace(OFFER, value_props=("Fintech",), ideal_use_cases=())
    as_use_case = dataclasses.replace(OFFER, value_props=(), ideal_use_cases=("Fintech",))
    as_icp = dataclasses.replace(
        OFFER, value_props=(), ideal_use_cases=(), icp_industries=("Fintech",)
    )

    assert len({inputs_hash(o, LEAD) for o in (as_value_prop, as_use_case, as_icp)}) == 3


def test_inputs_hash_tells_which_lead_field_a_value_belongs_to():
    swapped = LEAD._replace(company=LEAD.location, location=LEAD.company)

    assert inputs_hash(OFFER, swapped) != inputs_hash(OFFER, LEAD)


class RecordingClassifier:
    """Answers by role (a role ending in "Low" gets Low, else High), recording each call."""

    name = "recording"
    model = "recording-1"
    prompt_version = "1"

    def __init__(self, *, extra: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.extra = extra

    def classify(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> list[Classification]:
        self.calls.append([lead.name for lead in leads])
        answers = [
            Classification(
                intent=Intent.LOW if lead.role.endswith("Low") else Intent.HIGH,
                reasoning=f"Asked about {lead.name}.",
                status="ok",
                provider=self.name,
                model=self.model,
            )
            for lead in leads
        ]
        if self.extra < 0:
            return answers[: self.extra]
        return answers + answers[: self.extra]

    def cache_key(self, offer: OfferFacts, lead: LeadFacts) -> str | None:
        return None


def test_score_leads_asks_the_classifier_once_for_all_leads_and_keeps_their_order():
    leads = [lead(1), lead(2, role="Intern Low"), lead(3)]
    classifier = RecordingClassifier()

    scores = score_leads(OFFER, leads, classifier, Thresholds())

    assert classifier.calls == [["Person 1", "Person 2", "Person 3"]]
    assert [s.ai.reasoning for s in scores] == [
        "Asked about Person 1.",
        "Asked about Person 2.",
        "Asked about Person 3.",
    ]
    assert [s.ai.intent for s in scores] == [Intent.HIGH, Intent.LOW, Intent.HIGH]
    assert [s.inputs_hash for s in scores] == [inputs_hash(OFFER, x) for x in leads]


def test_score_leads_asks_only_about_leads_without_a_known_answer():
    leads = [lead(1), lead(2), lead(3), lead(4)]
    cached = classification(Intent.MEDIUM, "From the cache.", status="cached")
    classifier = RecordingClassifier()

    scores = score_leads(OFFER, leads, classifier, Thresholds(), [cached, None, cached, None])

    assert classifier.calls == [["Person 2", "Person 4"]]
    assert [(s.ai.status, s.ai.reasoning) for s in scores] == [
        ("cached", "From the cache."),
        ("ok", "Asked about Person 2."),
        ("cached", "From the cache."),
        ("ok", "Asked about Person 4."),
    ]


def test_score_leads_does_not_call_the_classifier_when_every_answer_is_known():
    cached = classification(Intent.LOW, status="cached")
    classifier = RecordingClassifier()

    scores = score_leads(OFFER, [lead(1), lead(2)], classifier, Thresholds(), [cached, cached])

    assert classifier.calls == []
    assert [s.ai for s in scores] == [cached, cached]


def test_score_leads_of_no_leads_is_empty_without_asking():
    classifier = RecordingClassifier()

    assert score_leads(OFFER, [], classifier, Thresholds()) == []
    assert classifier.calls == []


def test_score_leads_uses_the_rule_layer_for_the_rule_points():
    (scored,) = score_leads(OFFER, [LEAD], RecordingClassifier(), Thresholds())

    assert scored.rule == rules.score_lead(LEAD, rules.icp_for_offer(OFFER))
    assert (scored.rule.total, scored.score, scored.intent) == (50, 100, Intent.HIGH)


@pytest.mark.parametrize(("extra", "answered"), [(-1, 1), (1, 3)])
def test_score_leads_raises_when_the_classifier_answers_the_wrong_number_of_times(extra, answered):
    with pytest.raises(
        RuntimeError, match=rf"^RecordingClassifier answered {answered} times for 2 leads$"
    ):
        score_leads(OFFER, [lead(1), lead(2)], RecordingClassifier(extra=extra), Thresholds())


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"name": "Someone Else", "company": "Globex", "location": "Paris", "linkedin_bio": "Hi"},
        {"location": "", "linkedin_bio": ""},
        {"company": "   ", "industry": ""},
        {"role": "", "name": "Solo"},
        {"role": "Intern", "industry": "Education"},
    ],
)
def test_rule_scores_kept_per_role_and_industry_equal_the_rule_layer(changes):
    # score_leads keeps rule parts per (role, industry, blank fields): first with another
    # lead of the same role and industry, then with this one.
    first = LEAD._replace(**{k: v for k, v in changes.items() if k in ("role",)})
    lead_ = LEAD._replace(**changes)
    icp = rules.icp_for_offer(OFFER)

    scored = score_leads(OFFER, [first, lead_], RecordingClassifier(), Thresholds())

    assert scored[1].rule == rules.score_lead(lead_, icp)
    assert scored[1].reasoning.startswith(rules.score_lead(lead_, icp).reasoning + ". AI")
