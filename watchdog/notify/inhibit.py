"""``alerting.inhibit_rules`` in Alertmanager's format, applied on the fallback path.

A firing alert matching a rule's target matchers is inhibited while some *other* firing
alert matches its source matchers and has the same values for every ``equal`` label (a
label missing on both sides counts as equal). As in Alertmanager, when the target also
matches the source side, sources that also match the target side do not count, so an alert
cannot inhibit itself or its peers. Resolved alerts inhibit nothing. The deprecated
``source_match``/``source_match_re``/``target_match``/``target_match_re`` maps are accepted
too, so rules can be copied from ``alertmanager.yml`` unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import Field

from watchdog.alerts import Notification
from watchdog.config.regex import Regex
from watchdog.config.types import LabelName, Model
from watchdog.notify.matchers import Matcher, MatcherList, matchers_of, matches_all

__all__ = ["InhibitRule", "InhibitRuleConfig", "Inhibitor"]


class InhibitRuleConfig(Model):
    """One inhibition rule, exactly as in ``alertmanager.yml``."""

    source_matchers: MatcherList = Field(default_factory=list)
    target_matchers: MatcherList = Field(default_factory=list)
    source_match: dict[LabelName, str] = Field(default_factory=dict)
    source_match_re: dict[LabelName, Regex] = Field(default_factory=dict)
    target_match: dict[LabelName, str] = Field(default_factory=dict)
    target_match_re: dict[LabelName, Regex] = Field(default_factory=dict)
    equal: list[LabelName] = Field(default_factory=list)


@dataclass(frozen=True)
class InhibitRule:
    """A compiled inhibition rule."""

    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    @classmethod
    def of(cls, config: InhibitRuleConfig) -> InhibitRule:
        """Compile a configured rule (the old maps first, as Alertmanager does)."""
        return cls(
            _side(config.source_match, config.source_match_re, config.source_matchers),
            _side(config.target_match, config.target_match_re, config.target_matchers),
            tuple(config.equal),
        )

    def sources_for(self, labels: Mapping[str, str], firing: Sequence[Notification]) -> list[str]:
        """Fingerprints of the firing alerts that inhibit an alert with ``labels``."""
        if not matches_all(self.target, labels):
            return []
        two_sided = matches_all(self.source, labels)
        found = []
        for alert in firing:
            if alert.status != "firing" or not matches_all(self.source, alert.labels):
                continue
            if any(alert.labels.get(name, "") != labels.get(name, "") for name in self.equal):
                continue
            if two_sided and matches_all(self.target, alert.labels):
                continue
            found.append(alert.fingerprint)
        return found


def _side(
    equal: Mapping[str, str], regex: Mapping[str, str], texts: Sequence[str]
) -> tuple[Matcher, ...]:
    return (
        *(Matcher.of(name, "=", value) for name, value in equal.items()),
        *(Matcher.of(name, "=~", value) for name, value in regex.items()),
        *matchers_of(texts),
    )


class Inhibitor:
    """Every configured rule; says which firing alerts inhibit a given alert."""

    def __init__(self, configs: Sequence[InhibitRuleConfig]) -> None:
        self.rules = [InhibitRule.of(c) for c in configs]

    def inhibited_by(self, labels: Mapping[str, str], firing: Sequence[Notification]) -> list[str]:
        """Fingerprints of the firing alerts that inhibit ``labels`` (empty: not inhibited)."""
        found: set[str] = set()
        for rule in self.rules:
            found.update(rule.sources_for(labels, firing))
        return sorted(found)
