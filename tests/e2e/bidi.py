"""What a right-to-left page does to text in another direction, measured in the browser: every
element holding text in another language than its page's (a `lang` of its own) must be laid
out in that language's direction and isolated from the page's (`unicode-bidi: isolate`, which a
`dir` attribute or a <bdi> gives), or a French sentence's full stop lands at its start in an
Arabic page. The language switcher's names are left out: each is a word in a list item."""

from __future__ import annotations

from playwright.async_api import Frame, Page

DIRECTIONS = {"ar": "rtl"}  # every other language of mobilise_runtime.locales is ltr

# The language around an element: its nearest ancestor's `lang`, through shadow roots (the
# widget's card is in the partner's page).
_AROUND = """
const around = (element) => {
    let node = element.parentNode;
    while (node) {
        if (node.nodeType === Node.ELEMENT_NODE && node.hasAttribute("lang")) {
            return node.getAttribute("lang");
        }
        node = node.parentNode || node.host;
    }
    return "";
};
const foreign = (root, found) => {
    for (const element of root.querySelectorAll("[lang]")) {
        if (element !== document.documentElement && !element.closest(".languages")
            && element.textContent.trim()
            && element.getAttribute("lang") !== around(element)) found.push(element);
    }
    for (const host of root.querySelectorAll("*")) {
        if (host.shadowRoot) foreign(host.shadowRoot, found);
    }
    return found;
};
"""

_SCRIPT = (
    "(directions) => {"
    + _AROUND
    + """
    return foreign(document, []).flatMap((element) => {
        const lang = element.getAttribute("lang");
        const style = getComputedStyle(element);
        const wanted = directions[lang] || "ltr";
        if (style.unicodeBidi === "isolate" && style.direction === wanted) return [];
        return [`${element.tagName.toLowerCase()}[lang=${lang}] (${style.direction}, ` +
            `${style.unicodeBidi}): ${element.textContent.trim().slice(0, 40)}`];
    });
}"""
)


async def unisolated(page: Page | Frame) -> list[str]:
    """The elements in another language than their page's that are not isolated in their own
    direction (empty: none)."""
    found: list[str] = await page.evaluate(_SCRIPT, DIRECTIONS)
    return found


async def foreign_texts(page: Page | Frame) -> int:
    """How many elements in another language than what is around them there are (to know the
    check above looked at something)."""
    count: int = await page.evaluate("() => {" + _AROUND + "return foreign(document, []).length; }")
    return count
