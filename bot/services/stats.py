"""The figures behind /statistik (backlog, districts, waits, chats, delivery) and their chart."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import texts_desk, texts_staff
from bot.domain.nik import MUSI_RAWAS, district_name
from bot.services import insights, questions
from bot.services.container import Services
from bot.services.visits import Visits
from bot.states import ALL_STATUSES, KtpStatus, Stage
from bot.storage import insights as insights_store
from bot.storage import settings as settings_store
from bot.storage import stats as stats_store
from bot.storage.driver import Conn
from bot.texts_common import format_number
from bot.texts_staff import ChartLabels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Stages in the order the chart and the text show them (PROBLEM beside CENTRAL).
STAGES: tuple[Stage, ...] = (
    Stage.RECORDING,
    Stage.SENDING,
    Stage.CENTRAL,
    Stage.PROBLEM,
    Stage.PRINTING,
    Stage.DONE,
)
OUTSIDE = "luar"  # district key for records registered outside Musi Rawas
DELIVERY_WINDOW = timedelta(days=7)
MAX_CHART_DISTRICTS = 16  # the 14 districts, records from elsewhere, and one spare


@dataclass(frozen=True, slots=True)
class Statistics:
    """A snapshot of the data for staff, taken at `taken_at`."""

    taken_at: datetime
    total: int
    by_status: dict[KtpStatus, int]
    by_stage: dict[Stage, int]
    prr_backlog: int
    blanko_stock: int | None  # None when nobody has set it yet
    by_district: list[tuple[str, int]]  # (district name or OUTSIDE or a code, count), largest first
    median_days: dict[Stage, float | None]  # finished stays in the stage's statuses
    stay_samples: dict[Stage, int]  # how many finished stays the median is drawn from
    subscribed_chats: int
    sent_7d: int
    failed_7d: int
    last_import: str | None = None
    visits_line: str | None = None  # jemput bola: this month's visits (bot.services.visits)
    questions_block: str | None = None  # questions to staff (bot.services.questions)
    channels_block: str | None = None  # residents, checks, followers, questions per channel

    def caption(self, tz: str) -> str:
        """The photo caption of /statistik: the key figures."""
        return texts_staff.statistics_caption(
            taken_at=self.taken_at,
            total=self.total,
            by_stage=self.by_stage,
            prr_backlog=self.prr_backlog,
            blanko_stock=self.blanko_stock,
            subscribed_chats=self.subscribed_chats,
            sent_7d=self.sent_7d,
            failed_7d=self.failed_7d,
            tz=tz,
        )

    def detail(self, tz: str) -> str:
        """The message after the chart: every status, the districts, the waits."""
        detail = texts_staff.statistics_detail(
            by_status=self.by_status,
            by_district=self.by_district,
            median_days=self.median_days,
            stay_samples=self.stay_samples,
            last_import=self.last_import,
            tz=tz,
        )
        detail = f"{detail}\n\n{self.visits_line}" if self.visits_line else detail
        detail = f"{detail}\n\n{self.questions_block}" if self.questions_block else detail
        return f"{detail}\n\n{self.channels_block}" if self.channels_block else detail

    def chart_labels(self) -> ChartLabels:
        """The words on the chart."""
        return texts_staff.chart_labels(self.prr_backlog, self.blanko_stock)


def district_label(code: str) -> str:
    """A Musi Rawas district name for a six-digit code; OUTSIDE for other regencies."""
    if code[:4] != MUSI_RAWAS:
        return OUTSIDE
    return district_name(code) or code


async def stage_waits(conn: Conn) -> dict[Stage, insights.WaitingTime]:
    """Finished stays per stage (the stays of the stage's statuses together), fresh each time."""
    merged: dict[Stage, dict[int, int]] = {stage: {} for stage in STAGES}
    for code, per_days in (await insights_store.stay_counts(conn)).items():
        if code not in KtpStatus.__members__:
            continue
        bucket = merged[KtpStatus(code).facts.stage]
        for days, count in per_days.items():
            bucket[days] = bucket.get(days, 0) + count
    return {stage: insights.WaitingTime.from_counts(merged[stage]) for stage in STAGES}


async def gather(services: Services) -> Statistics:
    """Count everything /statistik shows, from the database as it is now."""
    conn = services.db.conn
    now = services.clock.now()
    raw_status = await stats_store.count_by_status(conn)
    by_status = {s: raw_status.get(s.value, 0) for s in ALL_STATUSES}
    by_stage = {stage: 0 for stage in STAGES}
    for status, count in by_status.items():
        by_stage[status.facts.stage] += count
    districts: dict[str, int] = {}
    for code, count in (await stats_store.count_by_district(conn)).items():
        label = district_label(code)
        districts[label] = districts.get(label, 0) + count
    waits = await stage_waits(conn)
    sent, failed = await stats_store.outbox_outcomes(conn, now - DELIVERY_WINDOW)
    return Statistics(
        taken_at=now,
        total=sum(by_status.values()),
        by_status=by_status,
        by_stage=by_stage,
        prr_backlog=by_status[KtpStatus.PRINT_READY_RECORD],
        blanko_stock=await insights.blanko_stock(conn),
        by_district=sorted(districts.items(), key=lambda kv: (-kv[1], kv[0])),
        median_days={stage: waits[stage].median_days for stage in STAGES},
        stay_samples={stage: waits[stage].samples for stage in STAGES},
        subscribed_chats=await stats_store.subscribed_chats(conn),
        sent_7d=sent,
        failed_7d=failed,
        last_import=await settings_store.get(conn, settings_store.LAST_IMPORT_AT),
        visits_line=texts_desk.statistics_visits(**asdict(await Visits.of(services).month())),
        questions_block=texts_desk.question_statistics(**asdict(await questions.figures(services))),
        channels_block=texts_staff.statistics_channels(
            {
                channel: texts_staff.ChannelFigures(**asdict(counts))
                for channel, counts in (
                    await stats_store.by_channel(conn, now - DELIVERY_WINDOW)
                ).items()
            }
        ),
    )


#: Type sizes (points at CHART_DPI): a phone shows the chart about 360 px wide, so the
#: smallest text must stay near 1/30 of the image's width to be read without zooming.
CHART_DPI = 120
CHART_WIDTH_IN = 6.4
FONT_TITLE = 20
FONT_SECTION = 17
FONT_LABEL = 16
FONT_VALUE = 15
FONT_NOTE = 15


def chart_figure(stats: Statistics, labels: ChartLabels) -> Figure:
    """The /statistik chart: records per stage, then per district, tall for a phone."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    districts = stats.by_district[:MAX_CHART_DISTRICTS]
    rows = len(STAGES) + max(len(districts), 3) + 4
    fig = Figure(figsize=(CHART_WIDTH_IN, 0.52 * rows), dpi=CHART_DPI, layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[len(STAGES) + 1, max(len(districts), 3) + 1])
    fig.suptitle(labels.title, fontsize=FONT_TITLE, fontweight="bold")

    stage_names = [labels.stage_names[s] for s in STAGES][::-1]
    stage_counts = [stats.by_stage[s] for s in STAGES][::-1]
    colours = ["#c0392b" if s == Stage.PROBLEM else "#2e86c1" for s in STAGES][::-1]
    _bars(top, stage_names, stage_counts, colours, format_number)
    top.set_title(labels.stage_title, fontsize=FONT_SECTION, loc="left")
    top.set_xlabel(labels.backlog_note, fontsize=FONT_NOTE, color="#333333", loc="right")

    names = [labels.outside if n == OUTSIDE else n for n, _ in districts][::-1]
    counts = [c for _, c in districts][::-1]
    if names:
        _bars(bottom, names, counts, ["#17a589"] * len(names), format_number)
    else:
        bottom.text(0.5, 0.5, labels.empty, ha="center", va="center", fontsize=FONT_LABEL)
        bottom.set_axis_off()
    bottom.set_title(labels.district_title, fontsize=FONT_SECTION, loc="left")
    return fig


def render_chart(stats: Statistics, labels: ChartLabels) -> bytes:
    """The chart as a PNG (readable on a phone)."""
    out = io.BytesIO()
    chart_figure(stats, labels).savefig(out, format="png")
    return out.getvalue()


def _bars(
    ax: Axes,
    names: list[str],
    counts: list[int],
    colours: list[str],
    fmt: Callable[[float], str],
) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    bars = ax.barh(names, counts, color=colours)
    peak = max(counts) if counts else 0
    ax.set_xlim(0, max(peak * 1.3, 1))
    ax.tick_params(axis="y", labelsize=FONT_LABEL, length=0)
    # Each bar carries its number, so the x axis needs no scale of its own.
    ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt(value)))
    ax.tick_params(axis="x", labelsize=FONT_NOTE, colors="#777777")
    ax.spines[["top", "right"]].set_visible(False)
    for bar, count in zip(bars, counts, strict=True):
        ax.text(
            bar.get_width() + peak * 0.02,
            bar.get_y() + bar.get_height() / 2,
            fmt(count),
            va="center",
            fontsize=FONT_VALUE,
        )
