"""Simplified Chinese: Django's formats, with two changes.

- A date field is drawn with the first input format. Django's is 2026/12/07, which a browser's
  <input type="date"> does not accept: it shows the field empty, and saving the form then loses the date.
  ISO first (2026-12-07) is what the date pickers, the exports and the API use; 2026/12/07 is still read.
- Django's Chinese formats put no thousands separator between the digits (31427457), which is hard to
  read in the collective economy's accounts. Chinese financial statements group by three with a comma.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 (everything else as Django has it)

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
]
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
