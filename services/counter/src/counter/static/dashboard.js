// The dashboard, live: the totals stream (Server-Sent Events) updates the numbers, the chart is
// drawn from the history endpoint, and the breakdown tables are fetched again, already rendered,
// when they change. Without this script the page shows the totals of when it was loaded; every
// word shown comes from the page (#dashboard-data).
"use strict";

(function () {
  const dataElement = document.getElementById("dashboard-data");
  if (!dataElement) return;
  const data = JSON.parse(dataElement.textContent);
  const strings = data.strings;
  // Latin digits in every language, as the server writes them (mobilise_runtime.locales).
  const locale = document.documentElement.lang + "-u-nu-latn";
  const numbers = new Intl.NumberFormat(locale);
  const plurals = new Intl.PluralRules(document.documentElement.lang);
  const times = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" });
  const clock = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  const days = new Intl.DateTimeFormat(locale, { weekday: "short", hour: "2-digit" });
  const SVG = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);
  let bucket = "minute";
  let last = null;
  let points = [];
  let source = null;

  const refreshHistory = throttled(loadHistory, 2000);
  const refreshBreakdown = throttled(loadBreakdown, 1000);
  const announce = throttled(() => {
    if (last) $("announcer").textContent = progressText(last);
  }, 10000);

  const loadedAt = $("updated-at").getAttribute("datetime");
  showUpdated(loadedAt);
  setUpRanges();
  loadHistory();
  connect();
  window.setInterval(loadHistory, 30000); // the window slides even when nothing happens
  window.addEventListener("resize", throttled(() => draw(), 200));
  window.addEventListener("pagehide", () => source && source.close());

  function connect() {
    source = new EventSource(data.stream);
    source.addEventListener("open", () => status(true));
    source.addEventListener("totals", (event) => update(JSON.parse(event.data)));
    source.addEventListener("error", () => {
      status(false);
      // The browser retries by itself, except after an answer that is not a stream (503).
      if (source.readyState === EventSource.CLOSED) window.setTimeout(connect, 5000);
    });
  }

  function status(live) {
    $("live-status").hidden = false;
    $("live-status").classList.toggle("live-status--lost", !live);
    $("live-status-text").textContent = live ? strings.live : strings.reconnecting;
  }

  function update(totals) {
    const previous = last;
    last = totals;
    $("total-signed").textContent = numbers.format(totals.signed);
    $("total-confirmed").textContent = numbers.format(totals.confirmed);
    const volunteers = $("total-volunteers");
    if (volunteers) volunteers.textContent = numbers.format(totals.volunteers);
    $("goal").textContent = numbers.format(totals.goal);
    const bar = $("progress-bar");
    bar.value = Math.min(totals.signed, totals.goal);
    bar.max = totals.goal;
    $("progress-sentence").textContent = progressText(totals);
    $("percent").textContent = strings.percent_of_goal.replace(
      "{percent}", numbers.format(Math.floor((totals.signed * 100) / totals.goal))
    );
    if (!previous) {
      // The first event: the tables are the page's own unless something changed since.
      const same =
        totals.updated_at === loadedAt || Date.parse(totals.updated_at) === Date.parse(loadedAt);
      if (!same) refreshBreakdown();
      showUpdated(totals.updated_at);
      return;
    }
    showUpdated(totals.updated_at);
    if (breakdownOf(previous) !== breakdownOf(totals)) refreshBreakdown();
    if (previous.signed !== totals.signed || previous.confirmed !== totals.confirmed) {
      refreshHistory();
      announce();
    }
  }

  function progressText(totals) {
    const forms = strings.progress;
    return (forms[plurals.select(totals.signed)] || forms.other)
      .replace("{num}", numbers.format(totals.signed))
      .replace("{goal}", numbers.format(totals.goal));
  }

  function breakdownOf(totals) {
    const { by_country, by_region, by_macro_region, by_partner } = totals;
    return JSON.stringify([by_country, by_region, by_macro_region, by_partner]);
  }

  function showUpdated(iso) {
    if (!iso) return;
    const element = $("updated-at");
    element.setAttribute("datetime", iso);
    element.textContent = strings.updated.replace("{time}", times.format(new Date(iso)));
  }

  async function loadBreakdown() {
    const response = await fetch(data.breakdown, { headers: { Accept: "text/html" } }).catch(
      () => null
    );
    if (response && response.ok) $("breakdowns").innerHTML = await response.text();
  }

  function setUpRanges() {
    const group = document.querySelector(".chart__ranges");
    group.hidden = false;
    for (const button of group.querySelectorAll("button")) {
      button.addEventListener("click", () => {
        bucket = button.dataset.bucket;
        for (const other of group.querySelectorAll("button")) {
          other.setAttribute("aria-pressed", String(other === button));
        }
        points = [];
        loadHistory();
      });
    }
  }

  async function loadHistory() {
    const wanted = bucket;
    const response = await fetch(`${data.history}?bucket=${wanted}`).catch(() => null);
    if (!response || !response.ok || wanted !== bucket) return;
    points = (await response.json()).points;
    draw();
  }

  function draw() {
    const plot = $("chart-plot");
    $("chart-caption").textContent = bucket === "minute" ? strings.per_minute : strings.per_hour;
    const width = Math.max(plot.clientWidth, 280);
    const height = 220;
    const margin = { top: 12, right: 8, bottom: 26, left: 44 };
    const innerWidth = width - margin.left - margin.right;
    const innerHeight = height - margin.top - margin.bottom;
    const peak = Math.max(0, ...points.map((p) => p.signed));
    const step = niceStep(peak);
    const top = Math.max(step * Math.ceil(peak / step), step);
    const y = (value) => margin.top + innerHeight - (value / top) * innerHeight;
    const slot = innerWidth / Math.max(points.length, 1);

    const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, width, height });
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    for (let value = 0; value <= top; value += step) {
      const line = y(value);
      svg.append(element("line", { x1: margin.left, x2: width - margin.right, y1: line, y2: line,
        class: value === 0 ? "axis" : "grid" }));
      const label = element("text", { x: margin.left - 6, y: line + 4, class: "tick tick--y" });
      label.textContent = numbers.format(value);
      svg.append(label);
    }
    const labelEvery = Math.max(1, Math.ceil(points.length / Math.floor(innerWidth / 70)));
    points.forEach((point, index) => {
      const x = margin.left + index * slot;
      const when = new Date(point.t);
      const bar = element("rect", { x: x + slot * 0.12, width: Math.max(slot * 0.76, 1),
        y: y(point.signed), height: y(0) - y(point.signed), class: "bar" });
      const tip = document.createElementNS(SVG, "title");
      tip.textContent = `${formatTime(when)} · ${numbers.format(point.signed)}`;
      bar.append(tip);
      svg.append(bar);
      if ((points.length - 1 - index) % labelEvery === 0) {
        const label = element("text", { x: x + slot / 2, y: height - 8, class: "tick tick--x" });
        label.textContent = formatTime(when);
        svg.append(label);
      }
    });
    plot.replaceChildren(svg);

    const total = points.reduce((sum, p) => sum + p.signed, 0);
    $("chart-summary").textContent = strings.chart_summary[bucket]
      .replace("{total}", numbers.format(total))
      .replace("{peak}", numbers.format(peak));
  }

  function formatTime(when) {
    return bucket === "minute" ? clock.format(when) : days.format(when);
  }

  // 1, 2 or 5 times a power of ten: at most five grid lines above zero.
  function niceStep(peak) {
    const rough = Math.max(peak / 4, 1);
    const power = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
    return Math.max(1, step);
  }

  function element(name, attributes) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    return node;
  }

  // Runs `action` once, `ms` after the first of any number of calls in between.
  function throttled(action, ms) {
    let timer = null;
    return () => {
      if (timer !== null) return;
      timer = window.setTimeout(() => {
        timer = null;
        action();
      }, ms);
    };
  }
})();
