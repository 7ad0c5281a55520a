"""Title reading: how much buying power a job title carries, family by family."""

from __future__ import annotations

import pytest

from evals import titles as title_eval
from scoring.roles import RoleMatch, classify_role
from scoring.versioning import VOCABULARY_DIR

DM, INF, NONE = "decision_maker", "influencer", "none"

ROLE_CASES = [
    # C-suite, written every way.
    ("CEO", DM),
    ("ceo", DM),
    ("  CEO  ", DM),
    ("CTO", DM),
    ("CFO", DM),
    ("COO", DM),
    ("CMO", DM),
    ("CRO", DM),
    ("CIO", DM),
    ("CPO", DM),
    ("CISO", DM),
    ("CDO", DM),
    ("C.E.O.", DM),
    ("Chief Executive Officer", DM),
    ("Chief Revenue Officer", DM),
    ("Chief People Officer", DM),
    ("Co-CEO", DM),
    ("Interim CFO", DM),
    ("Fractional CMO", DM),
    # Founders, owners, presidents, partners.
    ("Founder", DM),
    ("Co-founder", DM),
    ("Cofounder & CTO", DM),
    ("CEO & Founder", DM),
    ("CTO / Co-founder", DM),
    ("Owner", DM),
    ("Small Business Owner", DM),
    ("President", DM),
    ("Partner", DM),
    ("Managing Partner", DM),
    ("Board Member", DM),
    ("Member of the Board of Directors", DM),
    ("Chairman", DM),
    ("Founder @ Stealth | ex-Google", DM),
    # VPs, heads, directors, general managers.
    ("VP Sales", DM),
    ("VP, Sales", DM),
    ("V.P. Marketing", DM),
    ("SVP Engineering", DM),
    ("EVP, Operations", DM),
    ("AVP Finance", DM),
    ("Vice President of Sales", DM),
    ("Vice-President, Customer Success", DM),
    ("Head of Sales", DM),
    ("Head of Growth | SaaS", DM),
    ("Global Head of Partnerships", DM),
    ("Head of the Sales team", DM),
    ("Director", DM),
    ("Sales Director - EMEA", DM),
    ("Director of Engineering", DM),
    ("Managing Director", DM),
    ("Senior Director, Product", DM),
    ("Executive Director", DM),
    ("Dir. of Marketing", DM),
    ("General Manager", DM),
    ("GM, North America", DM),
    ("VP and General Manager", DM),
    ("SALES DIRECTOR", DM),
    ("vp   sales", DM),
    # Influencers: managers, leads, senior, staff and principal individual contributors.
    ("Sales Manager", INF),
    ("Marketing Mgr", INF),
    ("Engineering Manager", INF),
    ("Office Manager for the Founder", INF),
    ("Partner Manager", INF),
    ("Team Lead", INF),
    ("Tech Lead", INF),
    ("Growth Lead", INF),
    ("Lead Engineer", INF),
    ("Senior Software Engineer", INF),
    ("Sr. Engineer", INF),
    ("Sr Data Analyst", INF),
    ("Staff Engineer", INF),
    ("Principal Consultant", INF),
    ("Senior Account Executive", INF),
    ("Solutions Architect", INF),
    ("Product Owner", INF),
    ("Chief of Staff to the CEO", INF),
    ("Assistant Director", INF),
    ("Associate Director of Sales", INF),
    # Nobody with a buying role.
    ("Intern", NONE),
    ("Marketing Intern", NONE),
    ("Student", NONE),
    ("MBA Student", NONE),
    ("Management Trainee", NONE),
    ("Assistant", NONE),
    ("Assistant to the CEO", NONE),
    ("Executive Assistant to the CFO", NONE),
    ("EA to the CEO & Founder", NONE),
    ("Assistant to the VP/GM", NONE),
    ("Advisor to startups & Founder of Acme", DM),
    ("CEO Assistant", NONE),
    ("Assistant Manager", NONE),
    ("Associate Product Manager", NONE),
    ("Junior Manager", NONE),
    ("Sales Coordinator", NONE),
    ("Sales Representative", NONE),
    ("Junior Developer", NONE),
    ("Software Engineer", NONE),
    ("Account Executive", NONE),
    ("Lead Generation Specialist", NONE),
    ("Leadership Coach", NONE),
    ("Doctor", NONE),
    ("Founder's Associate", NONE),
    ("Former CEO", NONE),
    ("Ex-CEO", NONE),
    ("Former VP/GM", NONE),
    ("CEO (former)", NONE),
    ("Former CEO, now Advisor", NONE),
    ("Aspiring Product Manager", NONE),
    ("Retired CEO", NONE),
    ("CFO (retired)", NONE),
    ("Unemployed", NONE),
    ("Open to work", NONE),
    ("Looking for new opportunities", NONE),
    ("Sales leader | Open to work", NONE),
    ("", NONE),
    ("   ", NONE),
    ("???", NONE),
    # French.
    ("Directeur Général", DM),
    ("PDG", DM),
    ("Président", DM),
    ("Fondateur", DM),
    ("Cofondatrice & CEO", DM),
    ("Gérant", DM),
    ("Associé", DM),
    ("Directrice Marketing", DM),
    ("Chef d'entreprise", DM),
    ("Responsable marketing", INF),
    ("Chef de projet", INF),
    ("Directeur adjoint", INF),
    ("Stagiaire", NONE),
    ("Assistante de direction", NONE),
    ("Ancien directeur commercial", NONE),
    # German.
    ("Geschäftsführer", DM),
    ("Geschaeftsfuehrerin", DM),
    ("Vorstand", DM),
    ("Inhaber", DM),
    ("Gründer", DM),
    ("Leiter Vertrieb", DM),
    ("Abteilungsleiter", DM),
    ("Bereichsleiterin Marketing", DM),
    ("Teamleiter", INF),
    ("Projektleiter", INF),
    ("Werkstudent", NONE),
    ("Praktikantin", NONE),
    ("Assistentin der Geschäftsführung", NONE),
    # "Staff" is a senior grade on technical ladders only, and a grade qualifies what follows.
    ("Staff Accountant", NONE),
    ("Senior Staff Accountant", INF),
    ("Staff Nurse", NONE),
    ("Staff Data Scientist", INF),
    ("Wait Staff", NONE),
    ("Founding Engineer", INF),
    ("Founding Partner", DM),
    ("Managing Consultant", INF),
    ("Chief Architect", DM),
    ("VPE", DM),
    # Spanish.
    ("Director de Ventas", DM),
    ("Director General", DM),
    ("Fundador", DM),
    ("Dueño", DM),
    ("CEO y Fundadora", DM),
    ("Gerente General", DM),
    ("Gerente de Marketing", INF),
    ("Jefe de Ventas", INF),
    ("Coordinador de Ventas", NONE),
    ("Becario", NONE),
    ("Pasante", NONE),
    ("Asistente del Director", NONE),
    ("Asistente del Director y Fundador", NONE),
    # Portuguese.
    ("Diretor", DM),
    ("Diretora Comercial", DM),
    ("Sócio", DM),
    ("Sócio-Fundador", DM),
    ("Gerente", INF),
    ("Analista Sênior", INF),
    ("Coordenador", NONE),
    ("Estagiário", NONE),
    ("Analista Júnior", NONE),
]


def test_role_table_covers_at_least_a_hundred_titles():
    assert len(ROLE_CASES) >= 100


@pytest.mark.parametrize(("title", "level"), ROLE_CASES)
def test_classify_role_reads_the_title_structure(title, level):
    assert classify_role(title).level == level


@pytest.mark.parametrize(
    ("title", "evidence"),
    [
        ("VP Sales", "VP"),
        ("Head of Growth", "Head of"),
        ("Assistant to the CEO", "Assistant"),
        ("Chief Revenue Officer", "Chief Revenue Officer"),
        ("Assistant Director", "Assistant Director"),
        ("Sr. Engineer", "Sr. Engineer"),
        ("Former CEO", "Former"),
        ("Ex-CEO", "Ex"),
        ("Marketing Intern", "Intern"),
        ("CEO | Open to work", "Open to work"),
        ("Geschäftsführer", "Geschäftsführer"),
        ("Directeur Général", "Directeur Général"),
        ("", ""),
    ],
)
def test_classify_role_names_the_deciding_words(title, evidence):
    assert classify_role(title).evidence == evidence


@pytest.mark.parametrize(
    "title",
    ["Doctor", "Director of Doctors", "Actor", "Procurement Specialist", "Directory Editor"],
)
def test_c_suite_abbreviations_never_match_inside_other_words(title):
    assert classify_role(title) != RoleMatch(DM, "CTO")


def test_classify_role_is_cached():
    classify_role.cache_clear()
    classify_role("VP Sales")
    classify_role("VP Sales")

    assert classify_role.cache_info().hits == 1


# Titles as real CVs write them: each family holds several spellings of one way of writing a
# role, in the languages the rules read. A family passes whole or the reading is wrong.
TITLE_FAMILIES = {
    "German compounds read by their head": [
        ("Marketingleiter", DM),
        ("Marketingleiterin", DM),
        ("Marketingleiter(in)", DM),
        ("Leiter:in Vertrieb", DM),
        ("Vertriebsdirektor", DM),
        ("Artdirektor", DM),
        ("Unternehmensinhaber", DM),
        ("Agenturinhaber", DM),
        ("Finanzvorstand", DM),
        ("Krankenhausgeschäftsführer", DM),
        ("Bereichsleitung Logistik", DM),
        ("Leitung Marketing und Kommunikation", DM),
        ("Qualitätsmanager", INF),
        ("Projektmanagerin Social Media", INF),
        ("Vertriebsverantwortlicher", INF),
        ("Teamleitung Ersatzteile", INF),
        ("Projektleitung IT", INF),
        ("Vertriebsmitarbeiter", NONE),
        ("Softwareentwicklerin", NONE),
        ("Vorstandsassistent", NONE),
    ],
    "German governing bodies and their members": [
        ("Geschäftsführung", DM),
        ("Mitglied der Geschäftsleitung", DM),
        ("Mitglied des Aufsichtsrats", DM),
        ("Vorstandsmitglied", DM),
        ("Aufsichtsrat", DM),
        ("Vorsitzender des Vorstandes", DM),
        ("Sprecher der Geschäftsführung", DM),
        ("Vorstandssprecher", DM),
        ("Prokurist", DM),
        ("Prokuristin", DM),
        ("Assistentin der Geschäftsführung", NONE),
        ("Assistentin Geschäftsführung", NONE),
        ("Assistent der Geschäfts- und Betriebsleitung", NONE),
        ("Beiratsmitglied", NONE),
    ],
    "board membership in English": [
        ("Member of the Board", DM),
        ("Board Member", DM),
        ("Member Board Of Directors", DM),
        ("Member of the Supervisory Board", DM),
        ("Member Executive Committee", DM),
        ("Non Executive Director - Member of the Supervisory Board", DM),
        ("Member of the Advisory Board", NONE),
        ("Advisory Board Member", NONE),
        ("Member of Consulting Staff", NONE),
        ("Customer Executive & Member of Management Northern Europe", DM),
        ("Vice Chairman of the Board", DM),
        ("Member Management Specialist", NONE),
    ],
    "Dutch titles": [
        ("Eigenaar", DM),
        ("Mede-eigenaar", DM),
        ("Directeur", DM),
        ("Algemeen directeur", DM),
        ("Bedrijfsleider", DM),
        ("Bestuurslid", DM),
        ("Oprichter", DM),
        ("Verkoopleider", DM),
        ("Afdelingshoofd precisiemechanica", DM),
        ("Hoofd juridische dienstverlening", DM),
        ("Inkoopmanager", INF),
        ("Teamleider publiciteit", INF),
        ("Projectleider", INF),
        ("Montageleider", INF),
        ("Luchtverkeersleider", NONE),
        ("Reisleider", NONE),
        ("Opzichter", INF),
        ("Import- en exportmanager", INF),
        ("Commercieel medewerker verkoop", NONE),
        ("Stagiair", NONE),
        ("Schoolbusbegeleider", NONE),
    ],
    "Italian titles": [
        ("Amministratore Delegato", DM),
        ("Amministratore Unico", DM),
        ("Direttore Commerciale", DM),
        ("Direttrice Marketing", DM),
        ("Titolare", DM),
        ("Fondatore", DM),
        ("Responsabile del personale", INF),
        ("Responsabile", INF),
        ("Addetto alle vendite", NONE),
        ("Impiegata amministrativa", NONE),
        ("Stagista", NONE),
    ],
    "abbreviations": [
        ("SVP Engineering", DM),
        ("EVP Strategic Partnerships", DM),
        ("AVP, Dental Quality", DM),
        ("MD", DM),
        ("MD / Adm. Direktør", DM),
        ("GM, EMEA", DM),
        ("general mgr", DM),
        ("Dir. of Sales", DM),
        ("HGF", DM),
        ("Lab Mgr", INF),
    ],
    "one-word forms": [
        ("Teamleader", INF),
        ("Teamlead Customer Engagement", INF),
        ("Salesmanager", INF),
        ("Accountmanager MKB", INF),
        ("Productowner", INF),
    ],
    "names with & or / inside": [
        ("R&D Project Lead", INF),
        ("P&L Owner", DM),
        ("M&A Manager", INF),
        ("VP R&D", DM),
        ("F&B Assistant", NONE),
    ],
    "a modifier before & applies across it": [
        ("Junior Content & CRM Manager", NONE),
        ("Junior Marketing/Sales Manager", NONE),
        ("Deputy Sales & Marketing Director", INF),
        ("Senior Content & CRM Manager", INF),
    ],
    "a head followed by its function": [
        ("Director Commercial Operations", DM),
        ("Directeur Commercial", DM),
        ("Director Executive Search", DM),
        ("Responsable commercial", INF),
        ("Account Executive", NONE),
        ("Commercial", NONE),
    ],
    "deputies lower a head": [
        ("Deputy Head of Sales", INF),
        ("Stellvertretender Leiter Wannentechnik", INF),
        ("Stv. Leiter Qualitätsmanagement", INF),
        ("Adjunct-directeur", INF),
        ("Vice Director Marketing", INF),
        ("Prodekan", INF),
    ],
    "partners who own and partners who serve": [
        ("Partner", DM),
        ("Senior Partner", DM),
        ("Lawyer (Partner)", DM),
        ("Partner / Director", DM),
        ("Associate Partner", INF),
        ("Finance Partner", NONE),
        ("HR Business Partner", NONE),
        ("Partner Manager", INF),
    ],
    "one typo in a long role word": [
        ("Gescäftsführer", DM),
        ("Geschäftsfüherer", DM),
        ("Managing Dircector", DM),
        ("Verantowrtlicher Online/CRM", INF),
    ],
    "ordinary words one letter from a role word stay ordinary": [
        ("Directory Editor", NONE),
        ("Unternehmen", NONE),
        ("Gesellschaft", NONE),
        ("Research Funding", NONE),
        ("Architekt", NONE),
        ("Supervisory Analyst", NONE),
        ("Executive Director Programme and Projects", DM),
        ("Ondernemen", NONE),
    ],
    "retired and past titles": [
        ("Direktor a.D.", NONE),
        ("Professor im Ruhestand", NONE),
        ("Ex-Geschäftsführer", NONE),
        ("Voormalig directeur", NONE),
    ],
}

FAMILY_CASES = [
    pytest.param(title, level, id=f"{family}: {title}")
    for family, cases in TITLE_FAMILIES.items()
    for title, level in cases
]


@pytest.mark.parametrize(("title", "level"), FAMILY_CASES)
def test_classify_role_reads_titles_as_real_cvs_write_them(title, level):
    assert classify_role(title).level == level


@pytest.mark.parametrize(
    ("title", "evidence"),
    [
        ("Mitglied der Geschäftsleitung", "Mitglied der Geschäftsleitung"),
        ("Member Board Of Directors", "Member Board Of Directors"),
        ("Director Commercial Operations", "Director"),
        ("Gescäftsführer", "Gescäftsführer"),
        ("Marketingleiterin", "Marketingleiterin"),
        ("Direktor a.D.", "a.D."),
    ],
)
def test_new_readings_name_their_deciding_words(title, evidence):
    assert classify_role(title).evidence == evidence


def test_every_role_vocabulary_file_says_why_it_exists_and_holds_entries():
    files = sorted((VOCABULARY_DIR / "roles").glob("*.txt"))

    assert files
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        entries = [line for line in lines if line.strip() and not line.startswith("#")]
        assert lines[0].startswith("# "), path.name
        assert entries, path.name


def test_real_title_evaluation_stays_above_its_floor():
    outcomes = title_eval.evaluate(title_eval.load(title_eval.TITLES_FILE))

    accuracy = sum(outcome.correct for outcome in outcomes) / len(outcomes)

    assert len(outcomes) >= 1500
    assert accuracy >= title_eval.ACCURACY_FLOOR
