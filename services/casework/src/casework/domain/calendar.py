"""China's working-day calendar (工作日), including 调休 make-up working days on weekends (pure).

The State Council publishes each year's schedule late in the year before. For a loaded year a
day is working unless it is an official day off, and a weekend day is working when it is a
make-up day. For a year not yet loaded Monday–Friday are working days and every answer that
rests on such a day is *provisional*; it becomes final when the year is loaded. An
administrator may override single days (a local disaster day off, say), with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class CalendarError(ValueError):
    """A schedule that cannot be loaded: machine code and Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says of one day."""

    day: date
    working: bool
    name: str | None
    provisional: bool


@dataclass(frozen=True)
class Override:
    """An administrator's decision about one day."""

    working: bool
    reason: str


@dataclass(frozen=True)
class YearSchedule:
    """One year's published schedule: days off and make-up working days, with names."""

    year: int
    papers: tuple[str, ...]
    off_days: Mapping[date, str]
    make_up_days: Mapping[date, str]


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Holidays and make-up working days for the years whose schedule is loaded."""

    off_days: frozenset[date]
    make_up_days: frozenset[date]
    known_years: frozenset[int]
    names: Mapping[date, str] = field(default_factory=dict)
    overrides: Mapping[date, Override] = field(default_factory=dict)

    def is_known(self, day: date) -> bool:
        """Whether the day's answer is final (its year loaded, or an override)."""
        return day.year in self.known_years or day in self.overrides

    def is_working_day(self, day: date) -> bool:
        """A working day: an override says so; else a weekday that is not a day off, or a
        make-up weekend day."""
        if day in self.overrides:
            return self.overrides[day].working
        if day in self.make_up_days:
            return True
        if day in self.off_days:
            return False
        return day.weekday() < 5

    def day_info(self, day: date) -> DayInfo:
        """Working or not, the holiday's (or override's) name, and whether provisional."""
        override = self.overrides.get(day)
        name = override.reason if override else self.names.get(day)
        return DayInfo(day, self.is_working_day(day), name, not self.is_known(day))

    def next_working_day(self, day: date) -> date:
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> tuple[date, bool]:
        """The `days`-th working day after `start` (not counting `start`); `days` = 0 is the
        first working day on or after `start`. Provisional when any day looked at is."""
        if days < 0:
            raise CalendarError("days.negative", "工作日天数不能为负数")
        provisional = False
        if days == 0:
            day = start
            while True:
                provisional |= not self.is_known(day)
                if self.is_working_day(day):
                    return day, provisional
                day += timedelta(days=1)
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            provisional |= not self.is_known(day)
            if self.is_working_day(day):
                counted += 1
        return day, provisional

    def working_days_between(self, start: date, end: date) -> tuple[int, bool]:
        """How many working days fall after `start` up to and including `end` (0 when `end`
        is not after `start`); provisional when any day counted over is."""
        count, provisional, day = 0, False, start
        while day < end:
            day += timedelta(days=1)
            provisional |= not self.is_known(day)
            count += self.is_working_day(day)
        return count, provisional

    def with_year(self, schedule: YearSchedule) -> WorkingDayCalendar:
        """The calendar with a year's schedule loaded (replacing what it had for that year)."""

        def keep(days: frozenset[date]) -> frozenset[date]:
            return frozenset(d for d in days if d.year != schedule.year)

        names = {d: n for d, n in self.names.items() if d.year != schedule.year}
        names |= {**schedule.make_up_days, **schedule.off_days}
        return replace(
            self,
            off_days=keep(self.off_days) | frozenset(schedule.off_days),
            make_up_days=keep(self.make_up_days) | frozenset(schedule.make_up_days),
            known_years=self.known_years | {schedule.year},
            names=names,
        )

    def with_overrides(self, overrides: Mapping[date, Override]) -> WorkingDayCalendar:
        """The calendar with administrator overrides applied."""
        return replace(self, overrides={**self.overrides, **overrides})


def parse_year(year: int, document: Mapping[str, Any] | str) -> YearSchedule:
    """A year in the load format {"year", "papers": [urls], "days": [{"name", "date",
    "isOffDay"}]}; CalendarError naming the first problem."""
    data = json.loads(document) if isinstance(document, str) else document
    if not isinstance(data, Mapping):
        raise CalendarError("calendar.format", "应为 JSON 对象：{year, papers, days}")
    if data.get("year") != year:
        raise CalendarError("calendar.year", f"文件中的年份（{data.get('year')}）与 {year} 不一致")
    papers = data.get("papers", [])
    days = data.get("days")
    if not isinstance(papers, list) or not isinstance(days, list) or not days:
        raise CalendarError("calendar.format", "papers 应为文件链接列表，days 应为非空列表")
    off: dict[date, str] = {}
    make_up: dict[date, str] = {}
    for index, item in enumerate(days):
        where = f"days[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("isOffDay"), bool):
            raise CalendarError("calendar.day", f"{where}：应有 name、date、isOffDay（true/false）")
        try:
            day = date.fromisoformat(str(item.get("date")))
        except ValueError:
            raise CalendarError("calendar.date", f"{where}：日期“{item.get('date')}”无效") from None
        if day.year != year:
            raise CalendarError("calendar.date_year", f"{where}：{day} 不在 {year} 年")
        if day in off or day in make_up:
            raise CalendarError("calendar.duplicate", f"{where}：{day} 重复出现")
        name = str(item.get("name") or "")
        if item["isOffDay"]:
            off[day] = name
        elif day.weekday() < 5:
            raise CalendarError("calendar.make_up_weekday", f"{where}：调休上班日 {day} 不是周末")
        else:
            make_up[day] = name
    return YearSchedule(year, tuple(str(p) for p in papers), off, make_up)
