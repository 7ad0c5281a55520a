"""Hypothesis profiles of the property tests: derandomized in CI, random (and replayed) locally.

Imported by the property test modules. `CI=true` (GitHub Actions sets it) loads "ci": the same
examples on every run, no example database. `HYPOTHESIS_PROFILE` overrides the choice.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
)
