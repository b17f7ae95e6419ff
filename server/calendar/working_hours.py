"""The fitters' working hours: when a visit is booked without a second thought.

Pure. The planner's board flags a visit outside them as a clash to confirm, and the fitter's
phone suggests a booking time inside them (issue 16: a suggestion of 02:00 is no suggestion).
The routines name no hours; this is an ordinary day of a fitters' company, one setting for
all of them until a company asks for its own.
"""

from __future__ import annotations

from datetime import time

WORKING_DAY_START = time(7, 0)
WORKING_DAY_END = time(17, 0)
