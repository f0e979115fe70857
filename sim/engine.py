"""One business day of the tutoring company, vectorized over its whole population.

Order within a day: at 00:00 a price step reprices the active students (if the scenario
says so and rates change by then), tutors whose notice ends leave (their students move to
tutors with room, to new hires, or pause) and others may give notice; sign-ups are drawn,
then every active student whose last session was exactly a week ago either quits (random
churn, test prep done, school year or college semester over) or has a session, and students
in a burst week add one; then returning students come back (preferring their old tutor);
then the new students get a tutor. Quits free tutor slots before anyone is assigned. At
23:00, after the day's sessions, tutors who earned a raise get it. Each session records the
rates valid at its time (the simulator's truth, kept in the pristine sessions, never in the
raw files).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sim.assign import assign
from sim.calendar import (
    DAY_SECONDS,
    HOUR_SECONDS,
    SIM_START,
    day_number,
    days_of,
    month_of,
    official_test_dates,
    progress,
    school_year_end,
    season_of,
)
from sim.population import (
    ACTIVE,
    DEPARTED,
    LEAVING,
    OPENING_STUDENTS,
    TUTOR_CAP,
    college_enrollment,
    cumulative,
    draw_enrollment,
    make_college,
    new_students,
    new_tutors,
    owner,
    pick,
)
from sim.scenario import Scenario
from sim.world import BURST_STREAM, CHURN_STREAM, COLLEGE_STREAM, World, day_rng, last_grade

STATUS_CUM = np.array([0.8, 0.9])  # Completed 80%, No-Show 10%, Cancelled 10%
HOUR_SHIFT_CUM = np.array([0.8, 0.9])
HOUR_SHIFTS = np.array([0, -1, 1], np.int64)
SESSION_COLUMNS = (
    "session_id",
    "student_id",
    "tutor_id",
    "subject_id",
    "stamp",
    "duration",
    "status",
    "student_rate",
    "tutor_rate",
    "is_extra",
)
RAISE_HOUR = 23
"""A raise takes effect at 23:00, after the last session of the day (they end by 19:00)."""


@dataclass
class DayBatch:
    """What one business day produced: its (clean) sessions and the ids it touched."""

    day: int
    sessions: dict[str, np.ndarray]
    students: np.ndarray
    tutors: np.ndarray
    signups: int = 0
    quits: int = 0
    returns: int = 0
    hires: int = 0


def signups(rng: np.random.Generator, day: date, scale: float) -> int:
    """New students today: probability (0.2 + 0.6 p) x f + N(0, 0.05), with f in 1..3 in the
    fall; each sign-up brings 1 or int(1 + 2p) students. `scale` independent sign-up
    channels (a fractional one for the remainder) multiply the business."""
    p = progress(day)
    factor = int(rng.integers(1, 4)) if season_of(day) == "fall" else 1
    prob = min(1.0, max(0.0, (0.2 + 0.6 * p) * factor + rng.normal(0.0, 0.05)))
    whole = int(scale)
    count = int(rng.binomial(whole, prob)) if whole else 0
    if scale > whole and rng.random() < (scale - whole) * prob:
        count += 1
    most = int(1 + 2 * p)
    if most > 1 and count:
        count += (most - 1) * int(rng.binomial(count, 0.5))
    return count


def _sessions(world: World, ids, tutor, stamp, status, extra=False) -> dict[str, np.ndarray]:
    """Sessions of students `ids` with `tutor` at `stamp`, in their enrollment's subject and
    duration, at the rates valid now; `extra` marks a burst week's additional session."""
    s = world.students
    return {
        "student_id": ids,
        "tutor_id": tutor,
        "subject_id": s["subject"][ids],
        "stamp": stamp,
        "duration": s["duration"][ids],
        "status": status,
        "student_rate": s["rate"][ids],
        "tutor_rate": world.tutors["rate"][tutor],
        "is_extra": np.full(len(ids), extra),
    }


def _numbered(world: World, parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate the day's sessions in student order and give them the next session ids."""
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(merged["student_id"], kind="stable")
    out = {key: np.asarray(values[order]) for key, values in merged.items()}
    n = len(order)
    out["session_id"] = np.arange(world.next_session_id, world.next_session_id + n, dtype=np.int64)
    world.next_session_id += n
    return {key: out[key] for key in SESSION_COLUMNS}


def _hire(world: World, rng: np.random.Generator, d: int, count: int) -> None:
    if count:
        rows = new_tutors(rng, d, count, world.scenario.tutors.hiring_rates)
        rows["created"][:] = np.iinfo(np.int64).max
        world.tutors.append(rows)


def _touch_tutors(world: World, tutors: np.ndarray, stamps: np.ndarray, hired_from: int) -> None:
    """Loads and times of tutors that gained students; new hires are created at the stamp of
    their first student of the day."""
    t = world.tutors
    np.add.at(t["load"], tutors, 1)
    new = tutors >= hired_from
    np.minimum.at(t["created"], tutors[new], stamps[new])
    np.maximum.at(t["updated"], tutors, stamps)


def open_business(seed: int, scale: float, scenario: Scenario) -> tuple[World, DayBatch]:
    """The opening week: the owner and 28 (x scale) students signed up on the first day at
    noon, each with a first session in the next six days between 13:00 and 18:00."""
    rng = day_rng(seed, SIM_START)
    d0 = day_number(SIM_START)
    noon = d0 * DAY_SECONDS + 12 * HOUR_SECONDS
    world = World(seed=seed, scale=scale, day=d0, next_session_id=0, scenario=scenario)
    world.tutors.append(owner(noon))
    n = max(1, round(OPENING_STUDENTS * scale))
    rows = new_students(rng, scenario, d0, n, created=np.full(n, noon, np.int64))
    first = d0 + rng.integers(0, 6, n)
    rows["first_day"] = rows["last_day"] = first
    rows["school_end"] = school_year_end(first, rows["cutoff_month"], rows["cutoff_day"])
    ids = world.students.append(rows)
    tutors, hires = assign(rng, world.tutors["load"], n)
    _hire(world, rng, d0, hires)
    world.students["tutor"][ids] = tutors
    _touch_tutors(world, tutors, np.full(n, noon, np.int64), hired_from=1)
    s = world.students
    stamp = first * DAY_SECONDS + s["first_hour"][ids].astype(np.int64) * HOUR_SECONDS
    part = _sessions(world, ids, tutors, stamp, np.zeros(n, np.int8))
    _count_completed(world, part)
    world.active_ids = ids.copy()
    batch = DayBatch(d0, _numbered(world, [part]), ids, np.unique(tutors), signups=n, hires=hires)
    return world, batch


def step(world: World, day: date, rng: np.random.Generator) -> DayBatch:
    """Simulate business day `day` in place and return what it produced."""
    d = day_number(day)
    s, t = world.students, world.tutors
    knobs, prices = world.scenario.students, world.scenario.prices
    n_new = signups(rng, day, world.scale)
    churn_p = knobs.churn * rng.uniform(0.8, 1.2)
    active = world.active_ids
    changes_rates = world.scenario.changes_rates_on(day)
    repriced = _reprice(world, day, active) if changes_rates else active[:0]
    paused, churned = active[:0], active[:0]
    if world.scenario.tutors.departure_probability and day >= world.scenario.tutors.departures_from:
        paused, churned = _contractor_churn(world, day)
        active = world.active_ids

    # weekly sessions, or a quit instead of the session
    last_active = s["last_day"][active]
    due_pos = np.flatnonzero(last_active == d - 7)
    due = active[due_pos]
    nd = len(due)
    hour = s["first_hour"][due].astype(np.int64) + HOUR_SHIFTS[pick(rng, HOUR_SHIFT_CUM, nd)]
    stamp = d * DAY_SECONDS + hour * HOUR_SECONDS
    status = pick(rng, STATUS_CUM, nd).astype(np.int8)
    random_quit = rng.random(nd) < churn_p
    if world.scenario.bursts.share:  # who added a session this week keeps this one
        random_quit &= s["extra_on"][due] != d - 7 + world.scenario.bursts.extra_day
    prep_done, school_done = _finished(world, due, day)
    quit = random_quit | prep_done | school_done
    quitters, stay = due[quit], due[~quit]
    s["active"][quitters] = False
    s["updated"][quitters] = stamp[quit]
    s["returnable"][quitters] = school_done[quit] | s["may_return"][quitters]
    college_q = quitters[s["college"][quitters]]
    if len(college_q):  # back for the next semester: January after a fall one, else September
        ends_in_december = month_of(s["school_end"][college_q]) == 12
        s["start_month"][college_q] = np.where(ends_in_december, 1, 9)
    np.subtract.at(t["load"], s["tutor"][quitters], 1)
    parts = [_sessions(world, stay, s["tutor"][stay], stamp[~quit], status[~quit])]
    s["last_day"][stay] = d
    if len(quitters):
        keep = np.ones(len(active), np.bool_)
        keep[due_pos[quit]] = False
        active = active[keep]
    quit_tutors = s["tutor"][quitters]
    np.maximum.at(t["updated"], quit_tutors, stamp[quit])
    if world.scenario.bursts.share:  # (from the active set before today's quits: none is due)
        extra_due = world.active_ids[last_active == d - world.scenario.bursts.extra_day]
        parts.append(_burst_sessions(world, day, extra_due))

    # returning students, in their school-year start month
    returners = np.empty(0, np.int64)
    cands = world.candidates
    college, c_rng = world.scenario.college, None
    if (day.month in (9, 10, 11) or (college.share and day.month == 1)) and len(cands):
        pos = np.flatnonzero(s["start_month"][cands] == day.month)
        ret_pos = pos[rng.random(len(pos)) < knobs.return_probability]
        returners = cands[ret_pos]
        cands = np.delete(cands, ret_pos)
    pool, pool_stamps = [returners[:0]], [returners[:0]]
    if len(returners):
        nr = len(returners)
        r_hour = (13 + rng.integers(0, 6, nr)).astype(np.int8)
        r_stamp = d * DAY_SECONDS + r_hour.astype(np.int64) * HOUR_SECONDS
        enrollment = draw_enrollment(
            rng,
            d,
            s["cutoff_month"][returners],
            s["cutoff_day"][returners],
            cumulative(knobs.return_subject_shares),
            knobs.returnable_share,
        )
        for key, values in enrollment.items():
            s[key][returners] = values
        is_college = s["college"][returners]
        if is_college.any():
            c_rng = day_rng(world.seed, day, COLLEGE_STREAM)
            college_enrollment(c_rng, world.scenario, s, returners[is_college])
        # a college year goes up in September only
        s["grade"][returners] += ~is_college | (day.month == 9)
        if prices.reprice_on_return and changes_rates:
            s["rate"][returners] = prices.rate_on(day) + college.rate_premium * is_college
        s["active"][returners] = True
        s["returnable"][returners] = False
        s["first_hour"][returners] = r_hour
        s["updated"][returners] = r_stamp
        s["enrollments"][returners] += 1
        kept = _keep_previous_tutor(world, s["tutor"][returners])
        np.add.at(t["load"], s["tutor"][returners[kept]], 1)
        np.maximum.at(t["updated"], s["tutor"][returners[kept]], r_stamp[kept])
        pool, pool_stamps = [returners[~kept]], [r_stamp[~kept]]

    # new students
    new_ids = np.empty(0, np.int64)
    if n_new:
        rows = new_students(rng, world.scenario, d, n_new)
        if college.share:
            if c_rng is None:
                c_rng = day_rng(world.seed, day, COLLEGE_STREAM)
            make_college(c_rng, world.scenario, d, rows)
        new_ids = s.append(rows)
        s = world.students
        pool.append(new_ids)
        pool_stamps.append(rows["created"])
    pool_ids, hires = np.concatenate(pool), 0
    if len(pool_ids):
        hired_from = len(t)
        tutors, hires = assign(rng, _bookable_load(world), len(pool_ids))
        _hire(world, rng, d, hires)
        t = world.tutors
        s["tutor"][pool_ids] = tutors
        _touch_tutors(world, tutors, np.concatenate(pool_stamps), hired_from)
    joined = np.concatenate([returners, new_ids])
    if len(joined):
        stamp_j = (
            s["first_day"][joined] * DAY_SECONDS
            + s["first_hour"][joined].astype(np.int64) * HOUR_SECONDS
        )
        parts.append(
            _sessions(world, joined, s["tutor"][joined], stamp_j, np.zeros(len(joined), np.int8))
        )
    top = last_grade(world.scenario, s["college"][quitters])
    new_cands = quitters[s["returnable"][quitters] & (s["grade"][quitters] < top)]
    if len(new_cands):
        cands = np.sort(np.concatenate([cands, new_cands]))
    if len(joined):
        active = np.concatenate([active, returners, new_ids])
        if len(returners):
            active = np.sort(active)
    world.active_ids, world.candidates, world.day = active, cands, d
    taught_before = t["taught"].copy()
    for part in parts:
        _count_completed(world, part)
    raised = _raise_tutors(world, d, taught_before) if changes_rates else active[:0]
    touched_s = np.unique(np.concatenate([quitters, joined, repriced, paused]))
    touched_t = np.unique(np.concatenate([quit_tutors, s["tutor"][joined], raised, churned]))
    return DayBatch(
        d,
        _numbered(world, parts),
        touched_s,
        touched_t,
        signups=n_new,
        quits=len(quitters),
        returns=len(returners),
        hires=hires,
    )


def _finished(world: World, ids: np.ndarray, check: date) -> tuple[np.ndarray, np.ndarray]:
    """(test prep done, school year over) for the enrollments of `ids` at their weekly check
    on `check`: test prep stops after `test_prep_days`, school work after the school year."""
    s = world.students
    last = s["last_day"][ids]
    test_prep = s["subject"][ids] == 1
    if world.scenario.school_year == "original":  # the original's rule, for calibration
        end = days_of(np.full(len(ids), check.year), s["cutoff_month"][ids], s["cutoff_day"][ids])
        end = np.where(s["college"][ids], s["school_end"][ids], end)
    else:
        end = s["school_end"][ids]
    prep_done = test_prep & (last - s["first_day"][ids] > world.scenario.students.test_prep_days)
    return prep_done, ~test_prep & (last > end)


def _burst_sessions(world: World, day: date, ids: np.ndarray) -> dict[str, np.ndarray]:
    """The extra sessions of burst weeks: a student `ids` whose weekly session was `extra_day`
    days ago and whose finals (school-year end) or next official test date (test prep) is at most
    `weeks_before` weeks away adds one with probability `share`, at the usual hour with the
    usual tutor, unless the enrollment ends at the next weekly check anyway. The student then
    keeps that next weekly session (no random quit that week), so the last session before a
    quit is always a weekly one. The schedule itself does not move: after the window the
    student is back to one session a week."""
    b, s, d = world.scenario.bursts, world.students, day_number(day)
    window = 7 * b.weeks_before
    tests = official_test_dates(b.test_months)
    to_test = int(tests[np.searchsorted(tests, d)]) - d
    to_finals = s["school_end"][ids] - d
    near = np.where(
        s["subject"][ids] == 1, to_test <= window, (to_finals >= 0) & (to_finals <= window)
    )
    ids = ids[near]
    if len(ids):
        prep_done, school_done = _finished(world, ids, day + timedelta(days=7 - b.extra_day))
        ids = ids[~prep_done & ~school_done]
    if not len(ids):
        return _sessions(world, ids, ids, ids, ids.astype(np.int8), extra=True)
    rng = day_rng(world.seed, day, BURST_STREAM)
    ids = ids[rng.random(len(ids)) < b.share]
    s["extra_on"][ids] = d
    stamp = d * DAY_SECONDS + s["first_hour"][ids].astype(np.int64) * HOUR_SECONDS
    status = pick(rng, STATUS_CUM, len(ids)).astype(np.int8)
    return _sessions(world, ids, s["tutor"][ids], stamp, status, extra=True)


def _reprice(world: World, day: date, active: np.ndarray) -> np.ndarray:
    """On the first day of a price step (at 00:00, before any session), active students move
    to the new list price if the scenario reprices them; returns who changed."""
    prices = world.scenario.prices
    new = prices.step_on(day) if prices.reprice_active else None
    if new is None:
        return active[:0]
    s = world.students
    target = new + prices_premium(world, active)
    changed = s["rate"][active] != target
    ids = active[changed]
    s["rate"][ids] = target[changed]
    s["updated"][ids] = day_number(day) * DAY_SECONDS
    return ids


def prices_premium(world: World, ids: np.ndarray) -> np.ndarray:
    """What students `ids` pay over the list price (the college premium)."""
    return world.scenario.college.rate_premium * world.students["college"][ids]


def _count_completed(world: World, sessions: dict[str, np.ndarray]) -> None:
    """Add completed sessions to their tutors' counts (what the `sessions` raise policy reads)."""
    taught = world.tutors["taught"]
    done = sessions["tutor_id"][sessions["status"] == 0]
    taught += np.bincount(done, minlength=len(taught))


def _raise_tutors(world: World, d: int, taught_before: np.ndarray) -> np.ndarray:
    """Tutors who earned a raise today (a hiring anniversary, every 365 days, or another
    `raise_every_sessions` completed sessions) get it at 23:00, up to the maximum rate; the
    owner (rate 0) never does. Returns who got one."""
    policy, t = world.scenario.tutors, world.tutors
    if policy.raise_policy == "none":
        return np.empty(0, np.int64)
    if policy.raise_policy == "yearly":
        hired = t["created"] // DAY_SECONDS
        due = (d > hired) & ((d - hired) % 365 == 0)
    else:
        every = policy.raise_every_sessions
        due = t["taught"] // every > taught_before // every
    rate = t["rate"]
    ids = np.flatnonzero(due & (rate > 0) & (rate < policy.max_rate) & (t["status"] != DEPARTED))
    rate[ids] = np.minimum(rate[ids] + policy.raise_amount, policy.max_rate)
    t["updated"][ids] = d * DAY_SECONDS + RAISE_HOUR * HOUR_SECONDS
    return ids


def _keep_previous_tutor(world: World, previous: np.ndarray) -> np.ndarray:
    """Which returners get their previous tutor back: as many per tutor as it has room for,
    in id order."""
    n = len(previous)
    order = np.argsort(previous, kind="stable")
    ranked = previous[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ranked)) + 1]
    rank_sorted = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, np.int64)
    rank[order] = rank_sorted
    return rank < TUTOR_CAP - _bookable_load(world)[previous]


def _bookable_load(world: World) -> np.ndarray:
    """Tutor loads as the assignment sees them: a tutor on notice or gone has no room."""
    t = world.tutors
    return np.where(t["status"] == ACTIVE, t["load"], TUTOR_CAP)


def _contractor_churn(world: World, day: date) -> tuple[np.ndarray, np.ndarray]:
    """At 00:00: tutors whose notice ends today leave. Their active students move to tutors
    with room (uniformly, as sign-ups do); the rest go to new hires, or pause like a
    school-year-end quit if the scenario does not replace departed tutors. Then each working
    tutor but the owner gives notice with the daily share of the monthly probability.
    Draws from its own stream. Returns the students and tutors touched."""
    knobs, s, t = world.scenario.tutors, world.students, world.tutors
    d = day_number(day)
    midnight = d * DAY_SECONDS
    rng = day_rng(world.seed, day, CHURN_STREAM)
    leaving = np.flatnonzero((t["status"] == LEAVING) & (t["leaves_on"] == d))
    touched_t, paused = [leaving], np.empty(0, np.int64)
    if len(leaving):
        t["status"][leaving] = DEPARTED
        t["load"][leaving] = 0
        t["updated"][leaving] = midnight
        active = world.active_ids
        moving = active[np.isin(s["tutor"][active], leaving)]
        room = int(np.maximum(TUTOR_CAP - _bookable_load(world), 0).sum())
        if not knobs.replace_departed and len(moving) > room:
            paused, moving = moving[room:], moving[:room]
        hired_from = len(t)
        tutors, hires = assign(rng, _bookable_load(world), len(moving))
        _hire(world, rng, d, hires)
        s["tutor"][moving] = tutors
        _touch_tutors(world, tutors, np.full(len(moving), midnight, np.int64), hired_from)
        touched_t.append(tutors)
        if len(paused):
            s["active"][paused] = False
            s["returnable"][paused] = True
            s["updated"][paused] = midnight
            world.active_ids = np.setdiff1d(active, paused)
            may = paused[s["grade"][paused] < last_grade(world.scenario, s["college"][paused])]
            world.candidates = np.union1d(world.candidates, may)
    t = world.tutors
    daily = 1 - (1 - knobs.departure_probability) ** (1 / 30)
    working = np.flatnonzero((t["status"] == ACTIVE) & (np.arange(len(t)) > 0))
    notice = working[rng.random(len(working)) < daily]
    t["status"][notice] = LEAVING
    t["leaves_on"][notice] = d + knobs.notice_days
    t["updated"][notice] = np.maximum(t["updated"][notice], midnight)
    return paused, np.unique(np.concatenate([*touched_t, notice]))
