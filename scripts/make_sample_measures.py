"""Generate the synthetic Permit Center phone-line figures bundled with the sample study.

What is simulated
-----------------
Port Alder (a *fictional* city) runs a Permit Center phone line with three queues: English,
Spanish and Vietnamese. Each month, from July 2024 to June 2026, the line logs how many calls
each queue took and how many were answered within two minutes. Every number is made up.

* Calls follow the applications' seasonality (more in spring) and grow a little each month.
* The English queue answers about 78% of its calls within two minutes; the Spanish and
  Vietnamese queues, with one bilingual clerk each, about 62% and 55% — the language gap the
  interviews and the survey describe.
* The "Small Business Express" pilot (from 1 July 2025) added a bilingual call-back slot:
  the Spanish queue improves by about 10 points from then on; the Vietnamese queue does not.
* The portal launch (September 2025) brings a surge of "how do I upload" calls in September
  and October 2025 that every queue answers more slowly.

Output (relative to the repository root)
----------------------------------------
* interview_data/measures/permit_center_calls.csv - ``month, line, calls,
  answered_within_2_min``, one row per month and queue.

Run ``python scripts/make_sample_measures.py``; the output is the same byte for byte each time.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CSV_PATH = ROOT / "interview_data" / "measures" / "permit_center_calls.csv"
SEED = 20250701
MONTHS = [f"{2024 + (6 + i) // 12}-{(6 + i) % 12 + 1:02d}" for i in range(24)]
#: queue: (calls in a typical month, share answered within 2 minutes before the pilot)
LINES = {"English": (620, 0.78), "Spanish": (210, 0.62), "Vietnamese": (75, 0.55)}
PILOT_START = 12  # July 2025, the 13th month of the window
PORTAL_SURGE = {14: 0.10, 15: 0.06}  # September and October 2025: slower answers


def month_rows(rng: np.random.Generator) -> list[dict[str, object]]:
    """One row per month and queue, drawn in a fixed order so the output never changes."""
    rows = []
    for index, month in enumerate(MONTHS):
        calendar_month = (6 + index) % 12 + 1
        season = 1 + 0.15 * math.sin((calendar_month - 1) / 12 * 2 * math.pi)
        growth = 1 + 0.01 * index
        for line, (typical, share) in LINES.items():
            calls = int(rng.poisson(typical * season * growth))
            if index in PORTAL_SURGE:
                calls = int(calls * (1 + 2 * PORTAL_SURGE[index]))
            answered_share = share - PORTAL_SURGE.get(index, 0.0)
            if line == "Spanish" and index >= PILOT_START:
                answered_share += 0.10
            answered = int(rng.binomial(calls, min(answered_share, 0.98)))
            rows.append(
                {"month": month, "line": line, "calls": calls, "answered_within_2_min": answered}
            )
    return rows


def main() -> None:
    rows = month_rows(np.random.default_rng(SEED))
    CSV_PATH.parent.mkdir(parents=True, exist_ok=True)
    with CSV_PATH.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {CSV_PATH.relative_to(ROOT)} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
