"""The report's plotly figures, one function per chart, each from one report query's rows.

Every figure states what it shows in its title, names its axes with units, and formats its
hover values (USD without cents, percentages with one decimal). Inputs are column lists
(`Frame`) as returned by `lakehouse.report.data`, so a chart never reaches into gold itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

Frame = dict[str, list[Any]]

STUDENT_CAP = 30
"""Active students a contractor may carry (the simulator's hiring rule, docs/simulator.md)."""

REASONS = {
    "ERR_INVALID_DESCRIPTOR": "Duration missing, 1 h assumed (repaired)",
    "ERR_UNITS_RANGE": "Duration in minutes, converted to hours (repaired)",
    "ERR_INVALID_STAMP": "Session time after the ingest, set to it (repaired)",
    "ERR_MISSING_TUTOR": "Tutor missing, taken from the student's sessions (repaired)",
    "ERR_MISSING_STATUS": "Status missing, Completed assumed (repaired)",
    "ERR_MISSING_SUBJECT": "Subject missing, test prep assumed (repaired)",
    "ERR_OUT_OF_RANGE": "Value out of range (rejected)",
    "ERR_UNPARSEABLE": "Field that is not a number (rejected)",
    "ERR_ORPHAN_STUDENT": "Student not in the student list (flagged)",
    "ERR_ORPHAN_TUTOR": "Tutor not in the tutor list (flagged)",
    "DUPLICATE_EMISSION": "Sent twice in the batch, one copy kept (superseded)",
    "SUPERSEDED_LATER_BATCH": "Replaced by a later batch (superseded)",
    "OTHER": "Other reasons",
}
"""Words for the reason codes of sql/report/data_quality_daily.sql, as a reader needs them; the
hover still shows the code, which is what silver.err_sessions holds."""

_MONEY = dict(tickprefix="$", tickformat=",.0f", rangemode="tozero")
_LEGEND_TOP = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0)
_LEGEND_RIGHT = dict(orientation="v", yanchor="top", y=1, xanchor="left", x=1.02)
"""Charts with many series (subjects, reason codes) list them on the right."""


def _month_axis(months: list[Any]) -> dict[str, Any]:
    """A date axis labelled by month, one tick per 1, 3 or 6 months depending on the span."""
    span = len(set(months))
    step = 1 if span <= 12 else 3 if span <= 36 else 6
    return dict(title="Month", dtick=f"M{step}", tickformat="%b %Y", hoverformat="%b %Y")


def _counts(title: str, peak: float) -> dict[str, Any]:
    """An axis of counts from zero with whole-number ticks: plotly puts ticks at 0.5 steps on
    a small range, which a whole-number format prints as 0, 1, 1, 2, 2, 3."""
    axis: dict[str, Any] = dict(title=title, rangemode="tozero", tickformat=",d")
    if peak <= 10:
        axis |= dict(tick0=0, dtick=1)
    return axis


def _peak(values: list[Any]) -> float:
    return max((v for v in values if v is not None), default=0)


def _stacked_peak(rows: Frame, x: str, y: str) -> float:
    totals: dict[Any, float] = {}
    for key, value in zip(rows[x], rows[y], strict=True):
        totals[key] = totals.get(key, 0) + (value or 0)
    return max(totals.values(), default=0)


def _base(title: str, legend: dict[str, Any] = _LEGEND_TOP, **layout: Any) -> go.Figure:
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(
        template="plotly_white",
        title=dict(text=title, x=0, xanchor="left"),
        legend=legend,
        margin=dict(l=20, r=20, t=90, b=50),
        font=dict(family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial"),
        **layout,
    )
    return fig


def finance(rows: Frame) -> go.Figure:
    """Revenue and contractor pay as bars, margin as a line, per month."""
    months = rows["month_start"]
    fig = _base(
        "Monthly revenue, contractor pay and margin (USD)",
        barmode="group",
        hovermode="x unified",
        xaxis=_month_axis(months),
        yaxis=dict(title="USD per month", **_MONEY),
    )
    money = "$%{y:,.0f}"
    fig.add_bar(x=months, y=rows["revenue"], name="Revenue", hovertemplate=money)
    fig.add_bar(x=months, y=rows["contractor_pay"], name="Contractor pay", hovertemplate=money)
    fig.add_scatter(
        x=months, y=rows["margin"], name="Margin", mode="lines+markers", hovertemplate=money
    )
    return fig


def students(rows: Frame) -> go.Figure:
    """Active students at each month end (line) and new enrollments in the month (bars)."""
    months = rows["month_start"]
    fig = _base(
        "Active students at month end and new enrollments per month",
        hovermode="x unified",
        xaxis=_month_axis(months),
        yaxis=_counts("Students", _peak([*rows["new_enrollments"], *rows["active_students"]])),
    )
    fig.add_bar(
        x=months,
        y=rows["new_enrollments"],
        name="New enrollments in the month",
        hovertemplate="%{y:,d}",
        opacity=0.7,
    )
    fig.add_scatter(
        x=months,
        y=rows["active_students"],
        name="Active students at month end",
        mode="lines+markers",
        hovertemplate="%{y:,d}",
    )
    return fig


def utilization_latest(rows: Frame, month_label: str) -> go.Figure:
    """Active students per tutor at the latest month end, against the cap. The percentages sit
    in a column right of the bars and the cap line, so none collides with the line."""
    labels = rows["tutor_label"]
    counts = rows["active_students"]
    colors = ["#d64545" if c > STUDENT_CAP else "#2f6fde" for c in counts]
    widest = max([STUDENT_CAP, *counts])
    label_x = widest * 1.06
    fig = _base(
        f"Contractor utilization, {month_label}: active students per tutor vs the cap of "
        f"{STUDENT_CAP}",
        height=max(320, 110 + 28 * len(labels)),
        showlegend=False,
        xaxis=dict(title="Active students at month end", rangemode="tozero"),
        yaxis=dict(title="Tutor", autorange="reversed", type="category"),
    )
    fig.add_bar(
        x=counts,
        y=labels,
        orientation="h",
        marker_color=colors,
        customdata=rows["utilization_pct"],
        hovertemplate="%{y}<br>%{x} active students<br>%{customdata:.1f}% of the cap"
        "<extra></extra>",
    )
    fig.add_scatter(
        x=[label_x] * len(labels),
        y=labels,
        mode="text",
        text=[f"{u:.0f}% of cap" for u in rows["utilization_pct"]],
        textposition="middle right",
        hoverinfo="skip",
    )
    fig.add_vline(
        x=STUDENT_CAP,
        line_dash="dash",
        line_color="#d64545",
        annotation_text=f"cap: {STUDENT_CAP} students",
        annotation_position="top",
    )
    fig.update_xaxes(range=[0, widest * 1.3])
    return fig


def utilization_history(rows: Frame) -> go.Figure:
    """Utilization (% of the cap) per tutor and month as a heatmap."""
    months = sorted(set(rows["month_start"]))
    tutors = list(dict.fromkeys(rows["tutor_label"]))
    cell = {
        (t, m): u
        for t, m, u in zip(
            rows["tutor_label"], rows["month_start"], rows["utilization_pct"], strict=True
        )
    }
    z = [[cell.get((t, m)) for m in months] for t in tutors]
    top = max([100.0, *(u for u in rows["utilization_pct"] if u is not None)])
    fig = _base(
        "Utilization by tutor and month (% of the 30-student cap, at month end)",
        height=max(300, 130 + 26 * len(tutors)),
        xaxis=_month_axis(months),
        yaxis=dict(title="Tutor", autorange="reversed", type="category"),
    )
    fig.add_heatmap(
        x=months,
        y=tutors,
        z=z,
        zmin=0,
        zmax=top,
        colorscale="Blues",
        colorbar=dict(title=dict(text="% of cap"), ticksuffix="%"),
        hovertemplate="%{y}<br>%{x|%b %Y}: %{z:.1f}% of the cap<extra></extra>",
        xgap=1,
        ygap=1,
    )
    return fig


def ratings_history(rows: Frame) -> go.Figure:
    """Average client rating (1-5) per tutor and month as a heatmap, with the count rated."""
    months = sorted(set(rows["month_start"]))
    tutors = list(dict.fromkeys(rows["tutor_label"]))
    cell = {
        (t, m): (a, n)
        for t, m, a, n in zip(
            rows["tutor_label"], rows["month_start"], rows["average_rating"], rows["ratings"],
            strict=True,
        )
    }  # fmt: skip
    fig = _base(
        "Average client rating by tutor and month (1-5, sessions of the month)",
        height=max(300, 130 + 26 * len(tutors)),
        xaxis=_month_axis(months),
        yaxis=dict(title="Tutor", autorange="reversed", type="category"),
    )
    fig.add_heatmap(
        x=months,
        y=tutors,
        z=[[cell.get((t, m), (None, None))[0] for m in months] for t in tutors],
        customdata=[[cell.get((t, m), (None, None))[1] for m in months] for t in tutors],
        zmin=1,
        zmax=5,
        colorscale="RdYlGn",
        colorbar=dict(title=dict(text="rating")),
        hovertemplate="%{y}<br>%{x|%b %Y}: %{z:.2f} from %{customdata} ratings<extra></extra>",
        xgap=1,
        ygap=1,
    )
    return fig


def score_improvement(rows: Frame) -> go.Figure:
    """Average score change of each tutor's students (baseline to latest practice test), with
    the students counted and the sessions in between in the hover."""
    labels = rows["tutor_label"]
    fig = _base(
        "SAT practice: average score change per tutor (baseline to latest test)",
        height=max(320, 110 + 28 * len(labels)),
        showlegend=False,
        xaxis=dict(title="Average score change (points)", zeroline=True),
        yaxis=dict(title="Tutor", autorange="reversed", type="category"),
    )
    fig.add_bar(
        x=rows["average_score_change"],
        y=labels,
        orientation="h",
        marker_color="#2f6fde",
        customdata=list(zip(rows["students"], rows["average_sessions_between"], strict=True)),
        hovertemplate="%{y}<br>%{x:+.0f} points on average<br>%{customdata[0]} students, "
        "%{customdata[1]:.1f} sessions in between<extra></extra>",
    )
    return fig


def _series(rows: Frame, by: str, columns: tuple[str, ...]) -> dict[Any, Frame]:
    """Split long rows into one frame per value of `by`, in first-seen order."""
    split: dict[Any, Frame] = {}
    for i, key in enumerate(rows[by]):
        part = split.setdefault(key, {c: [] for c in columns})
        for c in columns:
            part[c].append(rows[c][i])
    return split


def subject_demand(rows: Frame) -> go.Figure:
    """Scheduled sessions (any status) per month by subject, stacked, with each subject's
    share in the hover."""
    fig = _base(
        "Subject demand: scheduled sessions per month by subject",
        legend=_LEGEND_RIGHT,
        hovermode="x unified",
        xaxis=_month_axis(rows["month_start"]),
        yaxis=_counts(
            "Scheduled sessions per month",
            _stacked_peak(rows, "month_start", "scheduled_sessions"),
        ),
    )
    columns = ("month_start", "scheduled_sessions", "share_pct")
    for subject, part in _series(rows, "subject_name", columns).items():
        if not any(part["scheduled_sessions"]):
            continue  # a subject nobody booked adds nothing but a legend entry
        fig.add_scatter(
            x=part["month_start"],
            y=part["scheduled_sessions"],
            customdata=part["share_pct"],
            name=subject,
            mode="lines",
            stackgroup="subjects",
            hovertemplate="%{y:,d} sessions (%{customdata:.1f}%)",
        )
    return fig


def data_quality(rows: Frame) -> go.Figure:
    """Raw rows audited in silver.err_sessions per ingest day, stacked by reason, named in
    words (REASONS) with the code in the hover."""
    fig = _base(
        "Data quality: raw session rows repaired, superseded or rejected per ingest day",
        legend=_LEGEND_RIGHT,
        barmode="stack",
        hovermode="x unified",
        xaxis=dict(title="Ingest date", tickformat="%d %b %Y", hoverformat="%d %b %Y"),
        yaxis=_counts("Raw rows per day", _stacked_peak(rows, "day", "row_count")),
    )
    parts = _series(rows, "reason_code", ("day", "row_count"))
    for reason in sorted(parts, key=lambda code: REASONS.get(code, code)):
        fig.add_bar(
            x=parts[reason]["day"],
            y=parts[reason]["row_count"],
            name=REASONS.get(reason, reason),
            hovertemplate=f"%{{y:,d}} ({reason})",
        )
    return fig
