"""Tutor assignment: each newcomer goes to a random tutor with room, hiring when none has.

The original picked, one student at a time, a tutor uniformly among those with fewer than
30 active students. That sequential process is reproduced without a loop as a race: each
tutor with room gets Poisson arrival times (cumulative exponential draws), one per free
slot; at any moment the next arrival is equally likely to come from any tutor that still has
room, so taking the earliest `n` arrivals in time order is the same process. Students beyond
every free slot go to newly hired tutors, 30 per hire, as the original did.
"""

from __future__ import annotations

import numpy as np

from sim.population import TUTOR_CAP


def assign(rng: np.random.Generator, load: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Tutor index for each of `n` newcomers (in order) given current loads; indices at or
    past `len(load)` are new hires. Returns (tutors, number of hires)."""
    if n == 0:
        return np.empty(0, np.int64), 0
    free = np.maximum(TUTOR_CAP - load, 0)
    eligible = np.flatnonzero(free)
    if n == 1 and len(eligible):
        return eligible[rng.integers(0, len(eligible), 1)].astype(np.int64), 0
    slots = np.minimum(free[eligible], n)
    total = int(slots.sum())
    taken = min(n, total)
    chosen = np.empty(0, np.int64)
    if taken:
        gaps = rng.exponential(size=total)
        running = np.cumsum(gaps)
        starts = np.cumsum(slots) - slots
        arrival = running - np.repeat(running[starts] - gaps[starts], slots)
        owner = np.repeat(eligible, slots)
        order = np.argsort(arrival, kind="stable")[:taken]
        chosen = owner[order].astype(np.int64)
    overflow = n - taken
    hires = -(-overflow // TUTOR_CAP)
    hired = len(load) + np.arange(overflow, dtype=np.int64) // TUTOR_CAP
    return np.concatenate([chosen, hired]), hires
