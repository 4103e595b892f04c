"use strict";
// What the card shows of a ticket: badges, people, the SLA clock, the conversation, the time.
// Pure drawing from get_ticket's structuredContent; the card (card.js) adds the actions.
const ticketView = (() => {
  const STATUS_TONE = { Open: "tone-info", Pending: "tone-warning", Resolved: "tone-success" };
  const PRIORITY_TONE = { Critical: "tone-danger", High: "tone-warning" };
  const SLA = {
    breached: ["SLA breached", "tone-danger"],
    at_risk: ["SLA due within the hour", "tone-warning"],
    ok: ["SLA on track", "tone-success"],
  };

  function badge(text, tone) {
    return el("span", { class: `badge ${tone || ""}`.trim() }, text);
  }

  function badges(t) {
    const sla = SLA[t.sla_state];
    return el(
      "div",
      { class: "badges" },
      badge(t.status, STATUS_TONE[t.status]),
      t.priority && badge(t.priority, PRIORITY_TONE[t.priority]),
      t.type && badge(t.type),
      sla ? badge(sla[0], sla[1]) : t.overdue && badge("Overdue", "tone-danger"),
      t.waiting_on && badge(t.waiting_on === "us" ? "Waiting on us" : "Waiting on customer"),
    );
  }

  function person(p, none) {
    if (!p) return el("span", { class: "muted" }, none);
    return el(
      "span",
      {},
      p.name || p.email || `#${p.id}`,
      p.email && p.name ? el("span", { class: "muted email" }, p.email) : null,
    );
  }

  function people(t) {
    const row = (label, value) => el("div", {}, el("dt", {}, label), el("dd", {}, value));
    return el(
      "dl",
      { class: "people" },
      row("Customer", el("span", {}, t.customer.name)),
      row("End user", person(t.end_user, "none")),
      row("Technician", person(t.technician, "unassigned")),
    );
  }

  // One SLA target: met, missed, still running (how long left or over) or no longer running.
  function clock(label, due, doneAt, doneWord, running) {
    let state;
    if (doneAt) {
      const late = due && new Date(doneAt) > new Date(due);
      state = badge(
        late
          ? `${doneWord} ${duration(new Date(doneAt) - new Date(due))} late`
          : `${doneWord} in time`,
        late ? "tone-danger" : "tone-success",
      );
    } else if (!due) {
      state = el("span", { class: "muted" }, "no target");
    } else if (!running) {
      state = el("span", { class: "muted" }, "not running");
    } else {
      const left = new Date(due) - Date.now();
      state =
        left >= 0
          ? badge(`${duration(left)} left`, left < HOUR ? "tone-warning" : "tone-success")
          : badge(`${duration(left)} over`, "tone-danger");
    }
    return el(
      "tr",
      {},
      el("th", { scope: "row" }, label),
      el("td", {}, due ? when(due) : "—"),
      el("td", { class: "sla-state" }, state),
    );
  }

  // Atera's own due dates. Once answered, the running clock (sla_due, when the server sends
  // it) is the resolution's, which stands in for a close date Atera left empty.
  function slaClock(t) {
    const open = t.status !== "Resolved" && t.status !== "Closed";
    const resolutionDue = t.close_due || (t.first_response_at && t.sla_due) || null;
    return el(
      "table",
      { class: "sla" },
      el(
        "thead",
        {},
        el("tr", {}, el("th", {}, "Target"), el("th", {}, "Due"), el("th", {}, "State")),
      ),
      el(
        "tbody",
        {},
        clock("First response", t.response_due, t.first_response_at, "answered", open),
        clock("Resolution", resolutionDue, t.resolved_at, "resolved", open),
      ),
    );
  }

  function conversation(comments) {
    if (comments === null || comments === undefined)
      return el("p", { class: "muted" }, "Loading the conversation…");
    if (!comments.length) return el("p", { class: "muted" }, "No comments yet.");
    const newest = [...comments].sort((a, b) => new Date(b.at) - new Date(a.at));
    return el(
      "ol",
      { class: "thread" },
      ...newest.map((c) =>
        el(
          "li",
          { class: c.internal ? "comment internal" : "comment public" },
          el(
            "div",
            { class: "comment-head" },
            el("strong", {}, c.author),
            el(
              "span",
              { class: "muted" },
              c.author_kind === "technician" ? " technician · " : " end user · ",
            ),
            el("span", { class: "muted" }, when(c.at)),
            c.internal
              ? badge("Internal note", "tone-warning")
              : badge("Visible to customer", "tone-info"),
          ),
          el("div", { class: "comment-text" }, c.text),
        ),
      ),
    );
  }

  function timeLogged(time) {
    if (!time) return el("p", { class: "muted" }, "Loading the time logged…");
    return el(
      "p",
      { class: "time" },
      badge(`Billable ${hoursText(time.billable_hours)}`, "tone-info"),
      badge(`Non-billable ${hoursText(time.non_billable_hours)}`),
      badge(`On site ${hoursText(time.on_site_hours)}`),
    );
  }

  return { badges, people, slaClock, conversation, timeLogged };
})();
