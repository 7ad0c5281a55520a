"""Who answered a run's leads (the model, the cache, the fallback) and when that makes the run
degraded. Pure: shared by the scoring service and the `score_csv` command."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# A run in which more than this share of the leads fell back did not really use its model
# (a dead server, a refused format, a model that cannot follow the schema): it must not pass
# for a success.
DEGRADED_FALLBACK_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class AiCounts:
    """How many leads the provider answered, were read from the cache, or fell back."""

    answered: int
    cached: int
    fallbacks: int

    @classmethod
    def of(cls, statuses: Iterable[str]) -> AiCounts:
        """Count AI statuses ("ok", "cached", "fallback") of scored leads."""
        counts = {"ok": 0, "cached": 0, "fallback": 0}
        for status in statuses:
            counts[status] += 1
        return cls(answered=counts["ok"], cached=counts["cached"], fallbacks=counts["fallback"])

    @property
    def total(self) -> int:
        return self.answered + self.cached + self.fallbacks

    @property
    def degraded(self) -> bool:
        return self.total > 0 and self.fallbacks > DEGRADED_FALLBACK_SHARE * self.total

    def summary(self, provider: str = "the model") -> str:
        """Return "N answered by <provider>, N from the cache, N fell back to the heuristic"."""
        return (
            f"{self.answered} answered by {provider}, {self.cached} from the cache, "
            f"{self.fallbacks} fell back to the heuristic"
        )

    def warnings(self) -> list[str]:
        """Return the warnings a run with these counts carries (none unless degraded)."""
        if not self.degraded:
            return []
        return [
            f"degraded: {self.fallbacks} of {self.total} leads fell back to the heuristic "
            f"classifier ({self.summary()}); check the LLM server and the logs."
        ]
