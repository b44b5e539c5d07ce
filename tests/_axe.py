"""axe-core in the browser tests: its violations on a page, one readable line each."""

from __future__ import annotations


def axe_violations(page) -> list[str]:
    """axe-core's violations on a Playwright page (empty when it passes).

    axe-core ships inside axe-playwright-python, so nothing is fetched: the check runs offline.
    """
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
    ]
