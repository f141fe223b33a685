// The hosted campaign page, enhanced: the form is sent to the JSON API without leaving the page,
// and the progress bar follows the counter. Without this script the page works the same way
// through plain form posts; every word shown comes from the page (#campaign-strings).
"use strict";

(function () {
  const form = document.getElementById("signup-form");
  const progress = document.getElementById("progress");
  const stringsElement = document.getElementById("campaign-strings");
  if (!stringsElement) return;
  const strings = JSON.parse(stringsElement.textContent);
  // Latin digits in every language, as the server writes them (mobilise_runtime.locales).
  const locale = document.documentElement.lang;
  const numbers = new Intl.NumberFormat(locale + "-u-nu-latn");
  const plurals = new Intl.PluralRules(locale);

  if (form) form.addEventListener("submit", submit);
  const regionSelect = document.getElementById("region");
  if (form && regionSelect) {
    document.getElementById("show-regions").hidden = true;
    form.elements.country.addEventListener("change", showRegions);
  }
  if (progress) {
    // The page may have been kept by a cache for a while: its number is refreshed at once.
    refreshProgress();
    window.setInterval(refreshProgress, 10000);
  }

  // The chosen country's regions, named in the page's language, in place of the list.
  async function showRegions() {
    const country = form.elements.country.value;
    const data = regionSelect.dataset;
    const blank = new Option(country ? data.choose : data.needsCountry, "");
    let choices = [];
    if (country) {
      try {
        const url = data.url + encodeURIComponent(country) + "?locale=" + encodeURIComponent(locale);
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (response.ok) choices = await response.json();
      } catch (error) {
        // Offline: no region list; the region is optional.
      }
    }
    regionSelect.replaceChildren(blank, ...choices.map((c) => new Option(c.label, c.value)));
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    if (!form.elements.consent.checked) {
      // Without consent nothing may reach the API (it would sign): the server's form handling
      // names every missing answer at once.
      form.submit();
      return;
    }
    const button = form.querySelector(".button--wide"); // the form's own, not its default copy
    const label = button.textContent;
    button.disabled = true;
    button.textContent = strings.sending;
    form.setAttribute("aria-busy", "true");
    try {
      await send(null, button);
    } finally {
      button.disabled = false;
      button.textContent = label;
      form.removeAttribute("aria-busy");
    }
  }

  // `proof`: a solved proof of work, when the first try was asked for one (428).
  async function send(proof, button) {
    let response;
    try {
      response = await fetch(form.dataset.api, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(signup(proof)),
      });
    } catch (error) {
      showErrors({}, strings.offline);
      return;
    }
    const body = await response.json().catch(() => null);
    const errors = response.status === 422 && body ? fieldErrors(body.detail) : null;
    const solver = response.status === 428 && body && body.challenge && !proof && (await prover());
    if (solver) {
      // Many signups from this network: a short computation, then the same signup again.
      button.textContent = strings.checking;
      const challenge = body.challenge;
      await send(await solver(challenge.token, challenge.bits), button);
    } else if (response.ok) {
      showThanks((body && strings.thanks[body.status]) || strings.thanks.accepted);
    } else if (errors) {
      showErrors(errors, "");
    } else if (response.status === 428) {
      showErrors({}, strings.general); // a proof again, or none could be computed here
    } else if (response.status >= 400 && response.status < 500) {
      // Refused, so nothing was recorded, and not with a field's own message (a closed
      // campaign, a country it does not cover, a consent wording that just changed): the
      // server's own form handling words it, in place, in the page's language.
      form.submit();
    } else {
      showErrors({}, response.status === 503 ? strings.unavailable : strings.general);
    }
  }

  // pow.js, loaded only when a proof is asked for: most visitors never need it (2G budget).
  function prover() {
    if (window.mobiliseProof) return Promise.resolve(window.mobiliseProof);
    return new Promise((done) => {
      const tag = document.createElement("script");
      tag.src = "/static/pow.js";
      tag.onload = () => done(window.mobiliseProof || null);
      tag.onerror = () => done(null);
      document.head.append(tag);
    });
  }

  // The fields named by a 422's `detail` list, or null if one of its errors names none.
  function fieldErrors(detail) {
    if (!Array.isArray(detail)) return null;
    const errors = {};
    for (const item of detail) {
      const field = fieldOf(item.loc || []);
      if (!field) return null;
      errors[field] = strings.errors[field];
    }
    return errors;
  }

  function signup(proof) {
    const data = new FormData(form);
    const text = (name) => (data.get(name) || "").trim();
    const body = {
      email: text("email"),
      first_name: text("first_name"),
      country: text("country"),
      locale: locale,
      newsletter_opt_in: data.has("newsletter_opt_in"),
      consent_text_version: text("consent_text_version"),
    };
    if (text("last_name")) body.last_name = text("last_name");
    if (text("region")) body.region = text("region");
    if (text("fax")) body.fax = text("fax");
    if (proof) body.proof = proof;
    if (form.dataset.kind === "volunteer") {
      body.skills = data.getAll("skills");
      body.availability = text("availability");
      body.wants_training = data.has("wants_training");
    }
    return body;
  }

  // The innermost name in `loc` that is a field of this form (a skill's loc ends with its index).
  function fieldOf(loc) {
    for (let i = loc.length - 1; i >= 0; i--) {
      if (typeof loc[i] === "string" && loc[i] in strings.errors) return loc[i];
    }
    return null;
  }

  function clearErrors() {
    for (const message of form.querySelectorAll(".field-error")) {
      message.hidden = true;
      message.textContent = "";
      const container = message.closest(".field, .consent");
      if (container) container.classList.remove("field--error");
    }
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
    }
    summary().hidden = true;
  }

  function showErrors(errors, general) {
    const box = summary();
    box.replaceChildren();
    if (general) box.append(element("p", general));
    const fields = Object.keys(errors);
    if (fields.length) {
      box.append(element("h3", strings.summary));
      const list = element("ul", "");
      for (const field of fields) {
        const message = document.getElementById(field + "-error");
        message.textContent = errors[field];
        message.hidden = false;
        const container = message.closest(".field, .consent");
        if (container) container.classList.add("field--error");
        const input = form.elements[field];
        if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
        const link = element("a", errors[field]);
        link.href = "#" + (field === "skills" ? form.querySelector("[name=skills]").id : field);
        list.append(element("li", "", link));
      }
      box.append(list);
    }
    box.hidden = false;
    box.focus();
  }

  function showThanks(thanks) {
    const section = document.getElementById("signup");
    const box = element("div", "");
    box.className = "thanks";
    box.setAttribute("role", "status");
    box.tabIndex = -1;
    box.append(element("h2", thanks.title), element("p", thanks.text));
    section.replaceChildren(box);
    box.focus();
  }

  function summary() {
    return document.getElementById("error-summary");
  }

  function element(tag, text, child) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (child) node.append(child);
    return node;
  }

  async function refreshProgress() {
    if (document.hidden) return;
    try {
      const response = await fetch(progress.dataset.url, { headers: { Accept: "application/json" } });
      if (response.status !== 200) return;
      const totals = await response.json();
      const bar = document.getElementById("progress-bar");
      bar.max = totals.goal;
      bar.value = totals.signed;
      const sentence = strings.progress[plurals.select(totals.signed)] || strings.progress.other;
      document.getElementById("progress-text").textContent = sentence
        .replace("{num}", numbers.format(totals.signed))
        .replace("{goal}", numbers.format(totals.goal));
      progress.hidden = false;
    } catch (error) {
      // Offline for a moment: the bar keeps its last value until the next refresh.
    }
  }
})();
