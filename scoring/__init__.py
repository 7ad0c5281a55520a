"""Scoring: the rule layer, the AI intent classifiers, scoring runs and their results."""
