// Live totals on the campaigns page: the counter's Server-Sent Events, relayed by the console
// (same origin). Without JavaScript the page shows the totals of when it was loaded.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const format = new Intl.NumberFormat(document.documentElement.lang || "fr");
  for (const card of document.querySelectorAll(".campaign[data-slug]")) {
    const slug = card.dataset.slug;
    const goal = Number(card.dataset.goal);
    const total = card.querySelector("[data-total]");
    const bar = card.querySelector("progress");
    const source = new EventSource(`/campaigns/${encodeURIComponent(slug)}/totals/stream`);
    const show = (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      if (typeof data.signed !== "number") return;
      total.textContent = format.format(data.signed);
      bar.value = Math.min(data.signed, goal);
      bar.textContent = String(data.signed);
    };
    source.addEventListener("message", show);
    source.addEventListener("totals", show);
  }
});
