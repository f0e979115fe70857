"""Scenarios: the knobs of the simulated business, as named presets or a TOML file.

A scenario fixes what the business is (shares, probabilities, prices, raise policy); the seed
fixes the draws. Presets are TOML files in `sim/scenarios/` (`original`, `fixed`, `default`);
a scenario file has the same sections and starts from the preset it `extends` (`default`
unless it says otherwise), so it only states the knobs it changes. The resolved scenario is
saved with the simulator state, so daily steps continue the business the history started.

Field defaults are the original's business; the presets say how theirs differs.
"""

from __future__ import annotations

import tomllib
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import date
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from lakehouse.errors import LakehouseError

PRESETS = ("original", "fixed", "default")
DEFAULT_SCENARIO = "default"
SCHOOL_YEARS = ("fixed", "original")
RAISE_POLICIES = ("none", "yearly", "sessions")


@dataclass(frozen=True)
class PriceStep:
    """From `start` on, a student signing up (or repriced) pays `rate` an hour."""

    start: date
    rate: int


@dataclass(frozen=True)
class Students:
    new_subject_shares: tuple[float, ...] = (0.3, 0.4, 0.2, 0.1)
    """Subject groups of a new enrollment: test prep, math, science/language, arts/social."""
    return_subject_shares: tuple[float, ...] = (0.2, 0.5, 0.2, 0.1)
    """The same for a returning student."""
    churn: float = 0.0044
    """Probability of a random quit at each weekly session (times U(0.8, 1.2) per day)."""
    return_probability: float = 0.04
    """Daily probability that a returnable student comes back in their start month."""
    returnable_share: float = 0.4
    """Share of school-work enrollments whose random quit still allows a return."""
    test_prep_days: int = 120
    """A test-prep enrollment stops at the first weekly check after this many days."""


@dataclass(frozen=True)
class Prices:
    steps: tuple[PriceStep, ...] = (
        PriceStep(date(2021, 1, 1), 80),
        PriceStep(date(2023, 1, 1), 100),
        PriceStep(date(2024, 1, 1), 120),
    )
    """The list price of a new student by date (the original's $80 / $100 / $120)."""
    reprice_active: bool = False
    """On a step's first day active students move to the new price (else they keep theirs)."""
    reprice_on_return: bool = False
    """A returning student pays the list price of the return day (else their old rate)."""

    def rate_on(self, day: date) -> int:
        rate = self.steps[0].rate
        for step in self.steps:
            if step.start <= day:
                rate = step.rate
        return rate

    def step_on(self, day: date) -> int | None:
        """The new list price if a price step starts on `day`."""
        return next((step.rate for step in self.steps if step.start == day), None)


@dataclass(frozen=True)
class Tutors:
    hiring_rates: tuple[int, ...] = (30, 35, 40, 45, 50)
    """A hired tutor's hourly rate, drawn uniformly from these."""
    raise_policy: str = "none"
    """none; yearly (on each hiring anniversary); sessions (after every `raise_every_sessions`
    completed sessions). A raise takes effect at 23:00, after the day's sessions."""
    raise_amount: int = 5
    """Dollars an hour added by a raise."""
    raise_every_sessions: int = 500
    """Completed sessions between two raises under the `sessions` policy."""
    max_rate: int = 75
    """Raises stop at this rate."""
    departure_probability: float = 0.0
    """Monthly probability that a tutor (not the owner) gives notice (0: nobody leaves)."""
    notice_days: int = 14
    """Days between the notice and the departure; a tutor on notice takes no new students."""
    replace_departed: bool = True
    """On a departure, students beyond the other tutors' room go to new hires (True) or pause
    until a return month, like a school-year-end quit (False)."""
    departures_from: date = date(2025, 12, 31)
    """First business day a tutor may give notice. The history batch carries each tutor's
    current row only (no status column), so departures start with the daily batches."""


@dataclass(frozen=True)
class Bursts:
    share: float = 0.0
    """Probability that a student in a burst window adds a session that week (0: never)."""
    weeks_before: int = 2
    """The window: this many weeks before the student's finals (the end of their school year
    or semester) or, for test prep, before the next official test date."""
    extra_day: int = 3
    """The extra session comes this many days after the weekly one (same hour and tutor)."""
    test_months: tuple[int, ...] = (3, 5, 6, 8, 10, 11, 12)
    """Official test dates: the first Saturday of each of these months (the SAT's calendar)."""


@dataclass(frozen=True)
class College:
    share: float = 0.0
    """Share of new students who are college students (0: none)."""
    grades: tuple[int, ...] = (13, 16)
    """First and last college year as grades (13 = freshman); age is grade + 6 as at school."""
    subject_shares: tuple[float, ...] = (0.0, 0.45, 0.35, 0.2)
    """Subject groups of a college enrollment (test prep, math, science/language, arts/social)."""
    semester_ends: tuple[str, ...] = ("05-10", "12-15")
    """MM-DD of each semester's end: an enrollment runs to the end of the semester it starts
    in, and a student who may return comes back the month after (January or September)."""
    rate_premium: int = 30
    """Dollars an hour over the list price of the day (also when repriced)."""

    def end_dates(self) -> tuple[tuple[int, int], ...]:
        return tuple((int(e[:2]), int(e[3:])) for e in self.semester_ends)


@dataclass(frozen=True)
class Feedback:
    share: float = 0.0
    """Share of completed sessions the client rates that evening (0: no feedback files)."""
    comment_share: float = 0.4
    """Share of ratings that come with a comment."""
    corrupt_rate: float = 0.0
    """Share of feedback rows written with a rating out of range or submitted twice."""


@dataclass(frozen=True)
class TestScores:
    enabled: bool = False
    """Test-prep students take a practice SAT at enrollment and every four weeks after."""
    corrupt_rate: float = 0.0
    """Share of score rows written with the score x10, the date as M/D/YYYY, or twice."""


@dataclass(frozen=True)
class Corruption:
    delta_rate: float = 0.0
    """Share of student and tutor delta rows corrupted (a rate in cents 30%, a date of birth
    written MM/DD/YYYY 20%, the row emitted twice 20%, profile fields left empty in an update
    15%, an INSERT written as an UPDATE 15%; a mode that does not fit the row leaves it clean);
    the sessions' modes are fixed."""


@dataclass(frozen=True)
class Scenario:
    name: str = DEFAULT_SCENARIO
    school_year: str = "original"
    """fixed: a school-work student stays until the end of the school year they are in;
    original: the original's rule (the check day's calendar-year cutoff), for calibration."""
    rate_changes_from: date = date(2025, 12, 31)
    """First business day of repricing and raises. The migration lands each student's and
    tutor's current row only, so gold prices the whole history at those rates: a change
    before the migration would reprice past sessions in gold. By default rates change from
    the first daily batch on; an earlier date shows that loss."""
    students: Students = field(default_factory=Students)
    prices: Prices = field(default_factory=Prices)
    tutors: Tutors = field(default_factory=Tutors)
    bursts: Bursts = field(default_factory=Bursts)
    college: College = field(default_factory=College)
    corruption: Corruption = field(default_factory=Corruption)
    feedback: Feedback = field(default_factory=Feedback)
    test_scores: TestScores = field(default_factory=TestScores)

    def changes_rates_on(self, day: date) -> bool:
        return day >= self.rate_changes_from

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (dates as ISO strings), as saved with the simulator state."""
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "scenario") -> Scenario:
        scenario = _build(cls, data, where)
        _validate(scenario, where)
        return scenario


def load_scenario(spec: str | Path) -> Scenario:
    """A preset by name, or a TOML scenario file by path."""
    text = str(spec)
    if text in PRESETS:
        return Scenario.from_dict(_preset_table(text), f"preset {text!r}")
    path = Path(text)
    if path.suffix != ".toml" or not path.is_file():
        raise LakehouseError(
            f"unknown scenario {text!r}: give a preset ({', '.join(PRESETS)}) or the path of a "
            ".toml scenario file"
        )
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LakehouseError(f"{path}: not a valid TOML file: {exc}") from None
    base = table.pop("extends", DEFAULT_SCENARIO)
    if base not in PRESETS:
        raise LakehouseError(f"{path}: extends = {base!r} is not a preset ({', '.join(PRESETS)})")
    merged = _merge(_preset_table(base), {"name": path.stem, **table})
    return Scenario.from_dict(merged, str(path))


def _preset_table(name: str) -> dict[str, Any]:
    text = resources.files("sim.scenarios").joinpath(f"{name}.toml").read_text("utf-8")
    table = tomllib.loads(text)
    table.pop("extends", None)
    return {"name": name, **table}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _build(cls: type, table: Any, where: str) -> Any:
    """A (nested) frozen dataclass from a TOML/JSON table, naming the key of any bad value."""
    if not isinstance(table, dict):
        raise LakehouseError(f"{where}: expected a table, got {table!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise LakehouseError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    values = {name: _value(hints[name], raw, f"{where}: {name}") for name, raw in table.items()}
    return cls(**values)


def _value(hint: Any, raw: Any, where: str) -> Any:
    if isinstance(hint, type) and is_dataclass(hint):
        return _build(hint, raw, where)
    origin = typing.get_origin(hint)
    if origin is tuple:
        (item,) = {a for a in typing.get_args(hint) if a is not Ellipsis}
        if not isinstance(raw, list | tuple):
            raise LakehouseError(f"{where}: expected a list, got {raw!r}")
        return tuple(_value(item, v, f"{where}[{i}]") for i, v in enumerate(raw))
    if hint is date:
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(raw)
        except (TypeError, ValueError):
            raise LakehouseError(f"{where}: expected a date (YYYY-MM-DD), got {raw!r}") from None
    if hint is float and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if hint in (int, str, bool) and type(raw) is hint:
        return raw
    raise LakehouseError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {raw!r}")


def _validate(s: Scenario, where: str) -> None:
    def fail(key: str, message: str) -> None:
        raise LakehouseError(f"{where}: {key} {message}")

    if s.school_year not in SCHOOL_YEARS:
        fail("school_year", f"must be one of {', '.join(SCHOOL_YEARS)} (got {s.school_year!r})")
    st = s.students
    for key in ("new_subject_shares", "return_subject_shares"):
        shares = getattr(st, key)
        if len(shares) != 4 or min(shares) < 0 or abs(sum(shares) - 1) > 1e-9:
            fail(f"students.{key}", f"must be 4 shares >= 0 adding up to 1 (got {list(shares)})")
    for key in ("churn", "return_probability", "returnable_share"):
        if not 0 <= getattr(st, key) <= 1:
            fail(f"students.{key}", f"must be a probability in [0, 1] (got {getattr(st, key)})")
    if st.test_prep_days < 1:
        fail("students.test_prep_days", f"must be >= 1 (got {st.test_prep_days})")
    steps = s.prices.steps
    if not steps or any(b.start <= a.start for a, b in pairwise(steps)):
        fail("prices.steps", "must be one or more steps in increasing date order")
    if steps[0].start > date(2021, 8, 24):
        fail("prices.steps", "must start on or before the business opens (2021-08-24)")
    # silver reads a rate of 1,000 or more as cents (ERR_RATE_UNITS)
    if any(not 0 < p.rate + s.college.rate_premium < 1000 for p in steps):
        fail("prices.steps", "rates (with the college premium) must be dollars an hour in 1..999")
    b = s.bursts
    if not 0 <= b.share <= 1:
        fail("bursts.share", f"must be a probability in [0, 1] (got {b.share})")
    if not 1 <= b.weeks_before <= 8 or not 1 <= b.extra_day <= 6:
        fail("bursts", "weeks_before must be in 1..8 and extra_day in 1..6")
    if not b.test_months or any(not 1 <= m <= 12 for m in b.test_months):
        fail("bursts.test_months", f"must be months 1..12 (got {list(b.test_months)})")
    c = s.college
    if not 0 <= c.share <= 1:
        fail("college.share", f"must be a probability in [0, 1] (got {c.share})")
    if len(c.grades) != 2 or not 13 <= c.grades[0] <= c.grades[1] <= 20:
        fail("college.grades", f"must be [first, last] within 13..20 (got {list(c.grades)})")
    shares = c.subject_shares
    if len(shares) != 4 or min(shares) < 0 or abs(sum(shares) - 1) > 1e-9:
        fail("college.subject_shares", f"must be 4 shares >= 0 adding up to 1 (got {shares})")
    ends = c.semester_ends
    if not ends or any(not _month_day(e) for e in ends) or list(ends) != sorted(set(ends)):
        fail("college.semester_ends", f"must be distinct MM-DD in year order (got {list(ends)})")
    if c.rate_premium < 0:
        fail("college.rate_premium", f"must be >= 0 (got {c.rate_premium})")
    for key in ("share", "comment_share", "corrupt_rate"):
        if not 0 <= getattr(s.feedback, key) <= 1:
            fail(
                f"feedback.{key}",
                f"must be a probability in [0, 1] (got {getattr(s.feedback, key)})",
            )
    if not 0 <= s.test_scores.corrupt_rate <= 1:
        fail("test_scores.corrupt_rate", f"must be in [0, 1] (got {s.test_scores.corrupt_rate})")
    if not 0 <= s.corruption.delta_rate <= 1:
        fail("corruption.delta_rate", f"must be in [0, 1] (got {s.corruption.delta_rate})")
    tu = s.tutors
    if not 0 <= tu.departure_probability <= 1:
        fail(
            "tutors.departure_probability",
            f"must be a probability in [0, 1] (got {tu.departure_probability})",
        )
    if not 1 <= tu.notice_days <= 90:
        fail("tutors.notice_days", f"must be in 1..90 (got {tu.notice_days})")
    if not 0 < tu.max_rate < 1000:
        fail("tutors.max_rate", f"must be whole dollars an hour in 1..999 (got {tu.max_rate})")
    if not tu.hiring_rates or any(not 0 < r <= tu.max_rate for r in tu.hiring_rates):
        fail("tutors.hiring_rates", f"must be one or more rates in 1..max_rate ({tu.max_rate})")
    if tu.raise_policy not in RAISE_POLICIES:
        fail("tutors.raise_policy", f"must be one of {', '.join(RAISE_POLICIES)}")
    if tu.raise_amount < 1 or tu.raise_every_sessions < 1:
        fail("tutors", "raise_amount and raise_every_sessions must be >= 1")


def _month_day(text: str) -> bool:
    try:
        date.fromisoformat(f"2001-{text}")
    except ValueError:
        return False
    return len(text) == 5
