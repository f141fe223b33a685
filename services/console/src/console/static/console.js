"use strict";
// Numbers as the server writes them (mobilise_runtime.locales): the page's language, Latin digits.
const number = () => new Intl.NumberFormat(`${document.documentElement.lang || "fr"}-u-nu-latn`);

// Live totals on the campaigns page: the counter's Server-Sent Events, relayed by the console
// (same origin). Without JavaScript the page shows the totals of when it was loaded.
document.addEventListener("DOMContentLoaded", () => {
  const format = number();
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

// One language of a newsletter as _email_preview.html shows it: the HTML part in a frame that may
// run nothing (sandbox=""), the text part below.
const emailPreview = (lang, email, labels) => {
  const article = document.createElement("article");
  article.className = "email-preview";
  article.lang = lang;
  article.dir = "auto";
  article.dataset.email = lang;
  const subject = document.createElement("h3");
  const code = document.createElement("span");
  code.className = "email-preview__lang";
  code.textContent = lang.toUpperCase();
  subject.append(code, ` ${email.subject}`);
  const frame = document.createElement("iframe");
  frame.className = "email-preview__html";
  frame.setAttribute("sandbox", "");
  // The labels carry their language's spacing around the colon (French: a no-break space).
  frame.title = (labels.frameLabel || "{subject}").replace("{subject}", () => email.subject);
  frame.srcdoc = email.html;
  const details = document.createElement("details");
  details.className = "email-preview__text";
  const summary = document.createElement("summary");
  summary.textContent = labels.textLabel || "Text";
  const text = document.createElement("pre");
  text.textContent = email.text;
  details.append(summary, text);
  article.append(subject, frame, details);
  return article;
};

// Newsletters: the email as rendered and the audience while typing (the same preview the button
// shows), and the progress of mailings not done yet.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-live-preview]");
  const pane = form && form.querySelector("[data-preview-pane]");
  const format = number();
  if (form && pane) {
    let timer = null;
    const refresh = async () => {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const shown = await response.json();
      if (!shown.emails) return;
      pane.replaceChildren();
      const sizes = Object.entries(shown.audience || {});
      const total = sizes.reduce((sum, [, size]) => sum + size, 0);
      const audience = document.createElement("p");
      audience.className = "audience";
      // "Audience now: 12 (fr 9, ar 3)", each language's part isolated from the page's direction.
      const parts = sizes.map(([lang, size]) => `\u2068${lang} ${format.format(size)}\u2069`);
      audience.textContent = (pane.dataset.audienceLabel || "{total}")
        .replace("{total}", () => `${format.format(total)} (${parts.join(", ")})`);
      pane.append(audience);
      for (const [lang, email] of Object.entries(shown.emails)) {
        pane.append(emailPreview(lang, email, pane.dataset));
      }
      pane.hidden = false;
    };
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
  }
  const table = document.querySelector("table[data-statuses]");
  const statuses = table ? JSON.parse(table.dataset.statuses) : {};
  const rows = [...document.querySelectorAll("tr[data-mailing]")]
    .filter((row) => row.dataset.status !== "done");
  const poll = async (row) => {
    const response = await fetch(`/mailings/${encodeURIComponent(row.dataset.mailing)}/progress`);
    if (response.ok) {
      const progress = await response.json();
      for (const name of ["status", "queued", "sent", "failed", "suppressed"]) {
        const cell = row.querySelector(`[data-field="${name}"]`);
        if (!cell) continue;
        const value = progress[name];
        cell.textContent = name === "status" ? statuses[value] || value : format.format(value);
      }
      row.dataset.status = progress.status;
      if (progress.status === "done") return;
    }
    setTimeout(() => poll(row), 1500);
  };
  rows.forEach((row) => setTimeout(() => poll(row), 1000));
});

// Partners: copy a snippet (the text areas stay selectable without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const area = document.getElementById(button.dataset.copy);
    if (!area) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(area.value);
      button.setAttribute("aria-pressed", "true");
    });
  }
});
