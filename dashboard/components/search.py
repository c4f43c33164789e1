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


HISTORICAL = " (historical)"
HISTORICAL_PENALTY = 3.0  # a current station wins a tie with a retired one of a similar name


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
                out[station] = Match(station, score, choice)
        return sorted(out.values(), key=lambda m: -m.score)[:limit]

    def units(self, station: str) -> pd.DataFrame:
        return self.duids[self.labels == station]
