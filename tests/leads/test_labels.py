"""Labels from input quoted in messages: bounded in length and in number."""

from __future__ import annotations

from leads.labels import MAX_LABEL_CHARS, quoted, quoted_list


def test_a_short_label_is_quoted_as_python_would():
    assert quoted("Email") == "'Email'"


def test_a_long_label_is_cut_with_an_ellipsis():
    shown = quoted("x" * 3_000_000)

    assert shown == "'" + "x" * (MAX_LABEL_CHARS - 1) + "…'"


def test_a_label_of_exactly_the_limit_is_whole():
    assert quoted("x" * MAX_LABEL_CHARS) == repr("x" * MAX_LABEL_CHARS)


def test_twenty_labels_are_named_and_the_rest_counted():
    labels = [f"c{i}" for i in range(25)]

    assert quoted_list(labels) == ", ".join(repr(c) for c in labels[:20]) + " and 5 more"


def test_a_list_of_few_labels_names_them_all():
    assert quoted_list(["a", "b"]) == "'a', 'b'"
    assert quoted_list([]) == ""
