"""Typo-tolerant station / DUID search (rapidfuzz) over the `duid_info` rows."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz, process, utils


@dataclass(frozen=True)
class Match:
    station: str
    score: float
    via: str  # the name or DUID that matched
    coverage: float = 1.0  # share of the typed words found in `via` (see StationIndex.search)

    @property
    def confident(self) -> bool:
        """Good enough to open without asking: most of what was typed is in the name."""
        return self.coverage >= MIN_COVERAGE


HISTORICAL = " (historical)"
HISTORICAL_PENALTY = 3.0  # a current station wins a tie with a retired one of a similar name
# A match must account for this share of the typed words (2+ characters), each found in the name at
# >= WORD_SCORE: "Bayswter pwer" -> Bayswater Power Station (2 of 2); "'; drop table x; --" ->
# The Drop Power Station (1 of 2: "table" is nowhere) is only a suggestion, not a page switch.
MIN_COVERAGE = 0.67
WORD_SCORE = 75.0


class StationIndex:
    """Search stations by name or by any of their DUIDs; a DUID hit returns its station.

    A station whose units all come from the registry's history layer (retired plant, pre-2025
    battery DUIDs) is labelled "<name> (historical)"; one that mixes both keeps its name.
    """

    def __init__(self, duids: pd.DataFrame) -> None:
        self.duids = duids
        names = duids["station_name"].fillna(duids["duid"])
        if "is_historical" in duids:
            only_history = duids["is_historical"].fillna(False).astype(bool).groupby(names).transform("all")
            names = names.where(~only_history, names + HISTORICAL)
        self.labels = names
        self._station_of: dict[str, str] = {}
        for duid, name in zip(duids["duid"], names, strict=True):
            self._station_of.setdefault(name, name)
            self._station_of.setdefault(duid, name)
        self._choices = list(self._station_of)
        self.stations = sorted(set(names))

    def search(self, text: str, limit: int = 10, cutoff: float = 60.0) -> list[Match]:
        text = (text or "").strip()
        if not text:
            return []
        hits = process.extract(
            text, self._choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 3,
            score_cutoff=cutoff,
        )
        out: dict[str, Match] = {}
        prefix = utils.default_process(text)
        for choice, score, _ in hits:
            if utils.default_process(choice).startswith(prefix):
                score += 5  # "ER0" should rank ER01 above MERCER01
            station = self._station_of[choice]
            if station.endswith(HISTORICAL):
                score -= HISTORICAL_PENALTY
            if station not in out or out[station].score < score:
                out[station] = Match(station, score, choice, _coverage(text, choice))
        return sorted(out.values(), key=lambda m: -m.score)[:limit]

    def best(self, text: str) -> Match | None:
        """The top match when it is confident, else None (the caller shows the suggestions)."""
        hits = self.search(text, limit=1)
        return hits[0] if hits and hits[0].confident else None

    def units(self, station: str) -> pd.DataFrame:
        return self.duids[self.labels == station]


def _coverage(text: str, choice: str) -> float:
    """Share of the typed words (2+ characters) that fuzzily occur in `choice`; 1.0 for a single short query."""
    words = [w for w in utils.default_process(text).split() if len(w) >= 2]
    if not words:
        return 1.0
    target = utils.default_process(choice)
    found = sum(1 for w in words if fuzz.partial_ratio(w, target) >= WORD_SCORE)
    return found / len(words)
