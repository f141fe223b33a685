"""Accessibility checks in the browser tests: axe-core (fetched by `devstack install --browser`
into the download cache, never at test time) injected by Playwright into every frame of a page,
then run on the whole page, shadow roots and frames included.

    await assert_accessible(page)   # fails naming each serious or critical violation
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from devstack.config import StackConfig

if TYPE_CHECKING:  # Playwright is a test dependency, not the stack's.
    from playwright.async_api import Frame, Page

# What axe says a violation costs its users; minor and moderate ones are reported, not failed on.
BLOCKING = frozenset({"serious", "critical"})
# The WCAG 2.x A and AA rules (and axe's best practices are left out: they are not the standard).
WCAG_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} at {', '.join(self.targets)}"


class AxeMissing(RuntimeError):
    pass


@cache
def axe_source() -> str:
    script = StackConfig.from_env().axe_script
    if not script.exists():
        raise AxeMissing(
            f"{script} is missing: `devstack install --browser` fetches axe-core "
            "(make test and make e2e run it)"
        )
    return script.read_text(encoding="utf-8")


async def _inject(frame: Frame) -> None:
    # Through the debugging protocol, not a <script> tag: the pages' CSP refuses inline scripts.
    if not await frame.evaluate("() => typeof window.axe === 'object'"):
        await frame.evaluate(axe_source())
    # axe answers only frames of its own origin by default: the partner's iframe is another's.
    await frame.evaluate("() => window.axe.configure({ allowedOrigins: ['<unsafe_all_origins>'] })")


async def audit(page: Page, *, tags: tuple[str, ...] = WCAG_AA) -> list[Violation]:
    """Every violation axe finds on the page as it is now, in every frame."""
    for frame in page.frames:
        if not frame.is_detached():
            await _inject(frame)
    results: dict[str, Any] = await page.evaluate(
        """async (tags) => await window.axe.run(document, {
            runOnly: { type: "tag", values: tags },
            resultTypes: ["violations"],
        })""",
        list(tags),
    )
    return [
        Violation(
            rule=item["id"],
            impact=item.get("impact") or "",
            help=item["help"],
            targets=tuple(str(node["target"]) for node in item["nodes"]),
        )
        for item in results["violations"]
    ]


async def assert_accessible(page: Page, *, tags: tuple[str, ...] = WCAG_AA) -> list[Violation]:
    """Fails on any serious or critical violation; answers the lesser ones."""
    found = await audit(page, tags=tags)
    blocking = [v for v in found if v.impact in BLOCKING]
    assert not blocking, f"{page.url}: " + "; ".join(map(str, blocking))
    return found
