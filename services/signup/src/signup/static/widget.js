// mobilise's signup widget (docs/partners.md): a shadow root per
// [data-mobilise-widget], whose link shows until then. Every word comes from the service.
"use strict";

(function () {
  const script = document.currentScript;
  if (!script || !script.src) return;
  const base = new URL(script.src).origin;
  const DEFAULT_COLOR = "#5b2a86";
  const POLL_MS = 10000;
  const FAST_POLL_MS = 2000;
  const FAST_POLLS = 15; // after a signup, to show the counter move
  const MISSED_POLLS = 3;
  const MAX_POLLS = 360; // about an hour, then the counter stays as it is
  const GET = { credentials: "omit", headers: { Accept: "application/json" } };

  const CSS = `:host{all:initial;display:block;--accent:COLOR}
*{box-sizing:border-box}.card{color:#1f1d2b;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;text-align:start;background:#fff;border:1px solid #d9d4e6;border-top:4px solid var(--accent);border-radius:10px;padding:1rem 1.25rem;max-width:36rem}
h2{font-size:1.25rem;margin:0 0 .75rem}h3{font-size:1rem;margin:0 0 .25rem}.field{margin:0 0 .75rem}label,legend{display:block;font-weight:600;margin-bottom:.2rem}
.opt,.hint{font-weight:400;color:#55516a;font-size:.875rem;margin:0}input[type=email],input[type=text],select{width:100%;font:inherit;padding:.45rem .55rem;border:2px solid #55516a;border-radius:6px;background:#fff;color:inherit}
fieldset{border:0;padding:0;margin:0 0 .75rem}.choice{display:flex;gap:.5rem;align-items:flex-start;margin:.3rem 0}.choice input{width:1.2rem;height:1.2rem;margin-top:.15rem;accent-color:var(--accent)}.choice label{font-weight:400}
.error{color:#b3261e;font-weight:600;margin:.15rem 0}[aria-invalid=true]{border-color:#b3261e}.summary{border:2px solid #b3261e;background:#fdecea;border-radius:6px;padding:.5rem .75rem;margin-bottom:.75rem}
.summary ul{margin:.25rem 0 0;padding-inline-start:1.2rem}button{font:inherit;font-weight:700;color:#fff;background:var(--accent);border:0;border-radius:6px;padding:.6rem 1.2rem;cursor:pointer;width:100%}
button[disabled]{opacity:.7}:focus-visible{outline:3px solid #ffbf47;outline-offset:2px;box-shadow:0 0 0 5px #1f1d2b}a{color:var(--accent)}
progress{width:100%;height:.75rem;accent-color:var(--accent)}.hp{position:absolute;inset-inline-start:-9999px}.count{margin:.2rem 0 .75rem;font-weight:600}.thanks{border-inline-start:4px solid #1e6b3a;background:#e8f5ec;padding:.5rem .75rem;border-radius:6px}`;

  function mountAll() {
    for (const host of document.querySelectorAll("[data-mobilise-widget]")) {
      if (!host.dataset.mobiliseState) mount(host);
    }
  }

  async function mount(host) {
    host.dataset.mobiliseState = "loading";
    const options = host.dataset;
    const locale = (options.locale || "fr").toLowerCase().split("-")[0];
    const partner = options.partner || "";
    const color = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(options.color || "") ? options.color : DEFAULT_COLOR;
    const query = "?" + new URLSearchParams(partner ? { partner: partner, locale: locale } : { locale: locale });
    let config;
    try {
      const url = base + "/api/v1/campaigns/" + encodeURIComponent(options.campaign || "") + "/widget" + query;
      const response = await fetch(url, GET);
      if (!response.ok) throw new Error(String(response.status));
      config = await response.json();
    } catch (error) {
      // Refused (origin not registered) or unreachable: the host's link stays.
      host.dataset.mobiliseState = "fallback";
      return;
    }
    const root = host.shadowRoot || host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = CSS.replace("COLOR", color);
    root.replaceChildren(style, new Widget(config, partner).card);
    host.dataset.mobiliseState = "ready";
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, value);
    }
    node.append(...children.filter((child) => child != null));
    return node;
  }

  function Widget(config, partner) {
    const t = config.strings;
    const numbers = new Intl.NumberFormat(config.locale + "-u-nu-latn");
    const plurals = new Intl.PluralRules(config.locale);
    const withPartner = (url) => (partner ? url + "?" + new URLSearchParams({ partner: partner }) : url);
    const errors = {};
    let timer = null;
    let polls = 0;
    let fastPolls = 0;
    const hostedLink = () => el("a", { href: config.hosted_url, target: "_blank", rel: "noopener" }, t.widget_hosted_link);
    const card = el("section", { class: "card", lang: config.locale, dir: config.dir, "aria-labelledby": "mw-title" });
    const bar = el("progress", { max: 1, value: 0, "aria-labelledby": "mw-count" });
    const count = el("p", { id: "mw-count", class: "count" });
    const counter = el("div", { hidden: true }, bar, count);
    const summary = el("div", { class: "summary", role: "alert", tabindex: "-1", hidden: true });
    this.card = card;
    card.append(el("h2", { id: "mw-title", lang: config.title_lang, dir: config.title_dir }, config.title), counter);
    showProgress(config.progress);
    if (config.status !== "open") {
      card.append(el("p", {}, config.status === "closed" ? t.campaign_closed : t.campaign_not_open), hostedLink());
      return;
    }

    function field(name, labelText, control, hint, optional) {
      const error = el("p", { class: "error", id: "mw-" + name + "-error", hidden: true });
      errors[name] = error;
      control.id = "mw-" + name;
      control.name = name;
      control.setAttribute("aria-describedby", (hint ? "mw-" + name + "-hint " : "") + error.id);
      return el(
        "div",
        { class: "field" },
        el("label", { for: control.id }, labelText, optional ? el("span", { class: "opt" }, " (" + t.optional + ")") : null),
        hint ? el("p", { class: "hint", id: "mw-" + name + "-hint" }, hint) : null,
        error,
        control,
      );
    }

    function select(choices, placeholder, required) {
      return el("select", { required: required }, el("option", { value: "" }, placeholder),
        ...choices.map((choice) => el("option", { value: choice.value }, choice.label)));
    }

    function choice(name, id, labelText, value) {
      return el("div", { class: "choice" }, el("input", { type: "checkbox", id: id, name: name, value: value || "yes" }), el("label", { for: id }, labelText));
    }

    const form = el("form", { novalidate: true, "aria-labelledby": "mw-heading" });
    form.append(
      el("h3", { id: "mw-heading" }, t.heading),
      summary,
      field("email", t.email_label, el("input", { type: "email", autocomplete: "email", required: true })),
      field("first_name", t.first_name_label, el("input", { type: "text", autocomplete: "given-name", required: true })),
      field("last_name", t.last_name_label, el("input", { type: "text", autocomplete: "family-name" }), null, true),
      field("country", t.country_label, select(config.countries, t.country_choose, true)),
      field("region", t.region_label, select([], t.region_needs_country), null, true),
    );
    // The chosen country's regions, named in the widget's language.
    form.elements.country.addEventListener("change", async () => {
      const country = form.elements.country.value;
      let regions = [];
      try {
        if (country) regions = await (await fetch(base + "/api/v1/regions/" + country + "?locale=" + config.locale, GET)).json();
      } catch (error) {} // the region is optional
      form.elements.region.replaceChildren(...select(regions, country ? t.region_choose : t.region_needs_country).children);
    });
    if (config.kind === "volunteer") {
      const skillsError = el("p", { class: "error", id: "mw-skills-error", hidden: true });
      errors.skills = skillsError;
      form.append(
        el("fieldset", { "aria-describedby": "mw-skills-hint mw-skills-error" }, el("legend", {}, t.skills_legend),
          el("p", { class: "hint", id: "mw-skills-hint" }, t.skills_hint), skillsError,
          ...config.skills.map((skill) => choice("skills", "mw-skill-" + skill.value, skill.label, skill.value))),
        field("availability", t.availability_label, select(config.availabilities, t.availability_choose, true)),
        choice("wants_training", "mw-wants_training", t.wants_training_label),
      );
    }
    const consentError = el("p", { class: "error", id: "mw-consent-error", hidden: true });
    errors.consent = consentError;
    const consent = el("input", { type: "checkbox", id: "mw-consent", name: "consent", required: true, "aria-describedby": "mw-consent-error mw-consent-details" });
    const button = el("button", { type: "submit" }, t.submit);
    form.append(
      choice("newsletter_opt_in", "mw-newsletter_opt_in", t.newsletter_label),
      el("div", { class: "field" }, consentError, el("div", { class: "choice" }, consent, el("label", { for: "mw-consent", lang: config.consent_text_lang, dir: config.consent_text_dir }, config.consent_text)),
        el("p", { class: "hint", id: "mw-consent-details" }, t.consent_version.replace("{version}", config.consent_text_version) + " ",
          el("a", { href: config.charter_url, target: "_blank", rel: "noopener" }, t.charter_link))),
      el("div", { class: "hp", "aria-hidden": "true" }, field("fax", t.honeypot_label, el("input", { tabindex: -1, autocomplete: "off" }))),
      button,
    );
    card.append(form);
    form.addEventListener("submit", submit);
    if (!config.progress) fastPolls = MISSED_POLLS; // the counter was slow: ask soon
    schedule(config.progress ? POLL_MS : FAST_POLL_MS);

    async function submit(event) {
      event.preventDefault();
      clearErrors();
      if (!consent.checked) return showErrors({ consent: t.error_consent });
      button.disabled = true;
      button.textContent = t.sending;
      form.setAttribute("aria-busy", "true");
      try {
        await send();
      } finally {
        button.disabled = false;
        button.textContent = t.submit;
        form.removeAttribute("aria-busy");
      }
    }

    async function send(proof) {
      let response;
      try {
        response = await fetch(withPartner(config.signup_url), {
          method: "POST",
          credentials: "omit",
          headers: { ...GET.headers, "Content-Type": "application/json" },
          body: JSON.stringify(signup(proof)),
        });
      } catch (error) {
        return showErrors({}, t.error_offline, true); // offline, or this origin refused (CORS)
      }
      const body = await response.json().catch(() => null);
      if (response.ok) return thank((body && body.status) || "accepted");
      if (response.status === 428 && body && body.challenge && !proof) {
        // Past a soft limit: solve a proof of work (pow.js), then send again.
        button.textContent = t.proof_working;
        const solved = await solve(body.challenge).catch(() => null);
        if (solved) return send(solved);
      }
      const detail = body && body.detail;
      const refused = body && body.field;
      if (response.status === 422 && Array.isArray(detail)) {
        const found = {};
        for (const item of detail) {
          const name = fieldOf(item.loc || []);
          if (!name) return showErrors({}, t.error_general, true);
          found[name] = t["error_" + name];
        }
        return showErrors(found);
      }
      if (response.status === 422 && refused === "country") return showErrors({ country: t.error_country_not_covered });
      if (response.status === 422 && refused === "consent_text_version") return showErrors({}, t.error_consent_changed, true);
      const general = { 409: t.campaign_not_open, 410: t.campaign_closed, 429: t.error_rate_limited_short, 503: t.unavailable_text };
      showErrors({}, general[response.status] || t.error_general, true);
    }

    const solve = (c) => new Promise((done, failed) => {
      if (window.mobiliseProof) return done();
      const tag = el("script", { src: base + "/static/pow.js" });
      tag.onload = done;
      tag.onerror = failed;
      document.head.append(tag);
    }).then(() => window.mobiliseProof(c.token, c.bits));

    function signup(proof) {
      const data = new FormData(form);
      const text = (name) => String(data.get(name) || "").trim();
      const body = {
        email: text("email"),
        first_name: text("first_name"),
        country: text("country"),
        locale: config.locale,
        newsletter_opt_in: data.has("newsletter_opt_in"),
        consent_text_version: config.consent_text_version,
      };
      if (partner) body.partner = partner;
      if (proof) body.proof = proof;
      if (text("fax")) body.fax = text("fax");
      if (text("last_name")) body.last_name = text("last_name");
      if (text("region")) body.region = text("region");
      if (config.kind === "volunteer") {
        body.skills = data.getAll("skills");
        body.availability = text("availability");
        body.wants_training = data.has("wants_training");
      }
      return body;
    }

    // The innermost name in a 422's `loc` that is a form field (a skill's ends with an index).
    function fieldOf(loc) {
      for (let i = loc.length - 1; i >= 0; i--) if (typeof loc[i] === "string" && errors[loc[i]]) return loc[i];
      return null;
    }

    function clearErrors() {
      for (const name in errors) {
        errors[name].hidden = true;
        const input = form.elements[name];
        if (input && input.removeAttribute) input.removeAttribute("aria-invalid");
      }
      summary.hidden = true;
    }

    function showErrors(found, general, withLink) {
      summary.replaceChildren();
      if (general) summary.append(el("p", {}, general, withLink ? " " : null, withLink ? hostedLink() : null));
      const names = Object.keys(found);
      if (names.length) {
        summary.append(el("h3", {}, t.error_summary), el("ul", {}, ...names.map((name) => el("li", {}, found[name]))));
        for (const name of names) {
          errors[name].textContent = found[name];
          errors[name].hidden = false;
          const input = form.elements[name];
          if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
        }
      }
      summary.hidden = false;
      summary.focus();
    }

    function thank(status) {
      const pending = status === "pending_confirmation";
      const box = el("div", { class: "thanks", role: "status", "aria-live": "polite", tabindex: "-1" },
        el("h3", {}, pending ? t.thanks_pending_title : t.thanks_accepted_title),
        el("p", {}, pending ? t.thanks_pending : t.thanks_accepted));
      form.replaceWith(box);
      box.focus();
      fastPolls = FAST_POLLS;
      schedule(FAST_POLL_MS);
    }

    function showProgress(progress) {
      if (!progress) return;
      bar.max = progress.goal;
      bar.value = progress.signed;
      const f = config.progress_forms;
      const sentence = f[plurals.select(progress.signed)] || f.other;
      count.textContent = sentence.replace("{num}", numbers.format(progress.signed)).replace("{goal}", numbers.format(progress.goal));
      counter.hidden = false;
    }

    function schedule(delay) {
      clearTimeout(timer);
      if (polls < MAX_POLLS) timer = setTimeout(poll, delay);
    }

    async function poll() {
      polls++;
      if (!document.hidden || fastPolls > 0) {
        try {
          const response = await fetch(withPartner(config.progress_url), GET);
          if (response.status === 200) showProgress(await response.json());
        } catch (error) {
          // Offline: the counter keeps its value until the next poll.
        }
      }
      schedule(fastPolls-- > 0 ? FAST_POLL_MS : POLL_MS);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
