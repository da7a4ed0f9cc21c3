/* The analytics page's charts, drawn with Chart.js from the report the server embeds as JSON. */
(function () {
  "use strict";

  const source = document.getElementById("analytics-data");
  if (!source || typeof window.Chart === "undefined") return; // the tables below each chart still work
  const report = JSON.parse(source.textContent);
  const Chart = window.Chart;

  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => (css.getPropertyValue(name) || "").trim() || fallback;
  const COLORS = {
    positive: color("--success", "#15803d"),
    neutral: "#f59e0b",
    negative: color("--danger", "#b91c1c"),
    accent: color("--accent", "#4f46e5"),
    ai: color("--ai", "#7c3aed"),
    muted: color("--text-muted", "#64748b"),
    grid: color("--border", "#e2e8f0"),
  };
  const RATINGS = [
    ["positive", "👍 Positive"],
    ["neutral", "😐 Neutral"],
    ["negative", "👎 Negative"],
  ];

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = COLORS.muted;
  Chart.defaults.borderColor = COLORS.grid;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  const pct = (value) => (value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10} %`);

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas) return null;
    const chart = new Chart(canvas, config);
    canvas.dataset.ready = "true";
    return chart;
  }

  // Conversations, handoffs and AI resolutions per day.
  const DAILY = [
    ["Conversations", "conversations", COLORS.accent],
    ["Handed off", "handed_off", COLORS.negative],
    ["AI-resolved", "ai_resolved", COLORS.ai],
  ];
  draw("chart-daily", {
    type: "line",
    data: {
      labels: report.daily.map((d) => d.date),
      datasets: DAILY.map(([label, key, lineColor]) => ({
        label, data: report.daily.map((d) => d[key]), borderColor: lineColor, backgroundColor: lineColor,
        tension: 0.25, pointRadius: 2,
      })),
    },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 12 } } },
    },
  });

  // Handoff rate per trigger, as a share of all conversations.
  draw("chart-triggers", {
    type: "bar",
    data: {
      labels: report.triggers.map((t) => t.label),
      datasets: [{
        label: "Handoff rate",
        data: report.triggers.map((t) => (t.rate === null ? 0 : t.rate * 100)),
        backgroundColor: COLORS.accent,
        borderRadius: 4,
      }],
    },
    options: {
      indexAxis: "y",
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (ctx) => {
          const t = report.triggers[ctx.dataIndex];
          return `${pct(t.rate)} (${t.conversations} conversation${t.conversations === 1 ? "" : "s"})`;
        } } },
      },
      scales: { x: { beginAtZero: true, ticks: { callback: (v) => `${v} %` } } },
    },
  });

  // Ratings as stacked bars: one bar per group (overall / AI only / human), agent or team.
  function ratingBars(id, rows) {
    return draw(id, {
      type: "bar",
      data: {
        labels: rows.map((r) => `${r.name} · ${pct(r.score)}`),
        datasets: RATINGS.map(([key, label]) => ({
          label, data: rows.map((r) => r[key]), backgroundColor: COLORS[key], borderRadius: 3,
        })),
      },
      options: {
        indexAxis: "y",
        plugins: {
          tooltip: { callbacks: { footer: (items) => `Score ${pct(rows[items[0].dataIndex].score)}` } },
        },
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
      },
    });
  }

  const groups = [["overall", "Overall"], ["ai_only", "AI only"], ["human", "Human-handled"]];
  ratingBars("chart-csat", groups.map(([key, label]) => ({ ...report.csat[key], name: label })));
  // The chart's height follows its row count (set here: the page's CSP allows no inline styles).
  for (const chart of document.querySelectorAll(".panel__chart[data-rows]")) {
    chart.style.setProperty("--rows", chart.dataset.rows);
  }
  ratingBars("chart-agents", report.csat_by_agent);
  ratingBars("chart-teams", report.csat_by_team);

  // Open handoffs by age, pending and acknowledged stacked.
  draw("chart-open", {
    type: "bar",
    data: {
      labels: report.open_handoffs.map((b) => b.label),
      datasets: [
        { label: "Pending", data: report.open_handoffs.map((b) => b.pending), backgroundColor: COLORS.negative,
          borderRadius: 3 },
        { label: "Acknowledged", data: report.open_handoffs.map((b) => b.acknowledged),
          backgroundColor: COLORS.accent, borderRadius: 3 },
      ],
    },
    options: {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
