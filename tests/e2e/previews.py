"""The console's newsletter previews (console/templates/_email_preview.html, and console.js while
typing), and the mailer's dev outbox (mailer/pages/outbox.html): emails' HTML in `sandbox=""`
srcdoc frames. Such a frame has an opaque
origin, and chromium does not render a cross-origin frame while it is outside the viewport, not
even for a full-page screenshot: a frame below the fold came out blank (a different language in
different runs). So a screenshot of previews first waits until every frame's document has loaded
and shows its text, makes the viewport as tall as the page so that every frame is in it, and
checks in the picture itself that each frame was painted."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

from playwright.async_api import Page, expect

FRAMES = "iframe.email-preview__html"
# Loaded, its fonts settled (the email names only installed ones: nothing is fetched), and text.
SHOWN = """() => document.readyState === "complete" && document.fonts.status === "loaded"
    && document.body !== null && document.body.innerText.trim().length > 0"""
FETCHED = "() => performance.getEntriesByType('resource').map((entry) => entry.name)"
# The email's own background (mailer/templates/base.html), where an unpainted frame is white.
EMAIL_BACKGROUND = [246, 245, 242]
# How long a frame may take to be painted once in the viewport (a busy machine).
PAINTED_S = 15.0
TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
PIXELS = """async ([png, points]) => {
  const image = new Image();
  image.src = `data:image/png;base64,${png}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  return points.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3)));
}"""
# Inside each frame, clear of its border and rounded corner, in the email body's padding.
CORNERS = """(frames) => frames.map((frame) => {
  const box = frame.getBoundingClientRect();
  return [Math.round(box.left + scrollX + 8), Math.round(box.top + scrollY + 12)];
})"""


async def previews_shown(
    page: Page, *, frames_at: str = FRAMES, timeout_ms: float = 15_000
) -> list[str]:
    """Waits (bounded) until every preview frame (`frames_at`) has loaded and its body shows
    text; each frame may run nothing (`sandbox=""`: no script, form, popup or navigation, an
    opaque origin) and fetched nothing. Returns each frame's text."""
    frames = page.locator(frames_at)
    await expect(frames.first).to_be_attached(timeout=timeout_ms)
    texts = []
    for handle in await frames.element_handles():
        assert await handle.get_attribute("sandbox") == "", "a preview frame may run something"
        frame = await handle.content_frame()
        assert frame is not None, "a preview frame without a document"
        await frame.wait_for_function(SHOWN, timeout=timeout_ms)
        fetched = await frame.evaluate(FETCHED)
        assert fetched == [], f"a preview fetched something: {fetched}"
        texts.append(await frame.evaluate("() => document.body.innerText"))
    return texts


async def screenshot_with_previews(page: Page, path: Path, *, frames_at: str = FRAMES) -> None:
    """A full-page screenshot in which every preview frame (`frames_at`) is painted: each shows
    the email's background (EMAIL_BACKGROUND) near its top left corner. Each frame is painted by
    a renderer of its own (an opaque origin), which on a busy machine may lag the page's by more
    than two rendering updates: the picture is taken again until it shows every frame painted,
    for PAINTED_S at most."""
    await previews_shown(page, frames_at=frames_at)
    size = page.viewport_size
    assert size is not None
    height = await page.evaluate("() => document.documentElement.scrollHeight")
    await page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    decoder = await page.context.new_page()
    deadline = time.monotonic() + PAINTED_S
    try:
        while True:
            async with asyncio.timeout(10):  # a rendering update with every frame in the viewport
                await page.evaluate(TWO_FRAMES)
            png = await page.screenshot(full_page=True)
            corners = await page.locator(frames_at).evaluate_all(CORNERS)
            colours = await decoder.evaluate(PIXELS, [base64.b64encode(png).decode(), corners])
            painted = colours == [EMAIL_BACKGROUND] * len(corners)
            if painted or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
    finally:
        await decoder.close()
        await page.set_viewport_size(size)
    await asyncio.to_thread(path.write_bytes, png)
    assert painted, f"a preview is not painted in {path}: {colours}"
