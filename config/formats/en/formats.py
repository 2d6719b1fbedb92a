"""English dates as firmid writes them: "2 December 2026", a 24-hour clock, as in French.

Django's own English formats ("Dec. 2, 2026, 2:05 p.m.") read as American; the firms are
European. Numbers keep Django's English separators.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
