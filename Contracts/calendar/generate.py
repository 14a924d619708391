#!/usr/bin/env python3
"""Writes Contracts/calendar/YYYY.json from the PyPI package `chinesecalendar`, which carries the State Council
General Office's yearly notices on public holidays and make-up workdays (调休).

    pip install chinesecalendar && python3 Contracts/calendar/generate.py 2015 2026

A new year (published each November/December) is a new run of this script, or a file written by hand from the notice.
"""
import datetime
import json
import os
import sys

import chinese_calendar
from chinese_calendar import constants

NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def year_file(year):
    holidays, workdays = [], []
    day = datetime.date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        zh = NAMES.get(name, name) if name else None
        if day in constants.holidays:
            holidays.append({"date": day.isoformat(), "name": zh})
        elif day in constants.workdays:
            workdays.append({"date": day.isoformat(), "name": (zh or "") + "调休上班"})
        day += datetime.timedelta(days=1)
    return {
        "year": year,
        "source": "国务院办公厅关于%d年部分节假日安排的通知 (via PyPI chinesecalendar %s)" % (year, chinese_calendar.__version__),
        "holidays": holidays,
        "workdays": workdays,
    }


def main():
    first, last = int(sys.argv[1]), int(sys.argv[2])
    here = os.path.dirname(os.path.abspath(__file__))
    for year in range(first, last + 1):
        with open(os.path.join(here, "%d.json" % year), "w", encoding="utf-8") as f:
            json.dump(year_file(year), f, ensure_ascii=False, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
