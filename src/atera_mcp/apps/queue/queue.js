"use strict";
// The queue: search_tickets' hits as a sortable table. A row opens that ticket's card (the app
// calls get_ticket through the host); "More" calls search_tickets again with next_cursor.
const queue = (() => {
  const PRIORITY_RANK = { Critical: 0, High: 1, Medium: 2, Low: 3 };
  const SLA = {
    breached: ["Breached", "tone-danger", 0],
    at_risk: ["Due within the hour", "tone-warning", 1],
    ok: ["Fine", "tone-success", 2],
  };
  const COLUMNS = [
    ["ticket_id", "#", (t) => t.ticket_id],
    ["title", "Title", (t) => t.title.toLowerCase()],
    ["customer", "Customer", (t) => (t.customer.name || "").toLowerCase()],
    ["status", "Status", (t) => t.status],
    ["priority", "Priority", (t) => PRIORITY_RANK[t.priority] ?? 9],
    ["sla", "SLA", (t) => slaOf(t)[2]],
    ["age", "Age", (t) => -new Date(t.created_at || 0)],
  ];

  // The SLA state the server computed: a hit with a running clock (sla_due) leaves out
  // sla_state when it is fine. From a server that sends no SLA fields, "overdue" is all we know.
  function slaOf(t) {
    if (t.sla_state) return SLA[t.sla_state] || [t.sla_state, "", 3];
    if (t.sla_due) return SLA.ok;
    if (t.overdue) return SLA.breached;
    return t.status === "Resolved" || t.status === "Closed" ? ["—", "", 3] : SLA.ok;
  }

  function sorted(state) {
    const column = COLUMNS.find((c) => c[0] === state.sortKey);
    if (!column) return state.rows;
    const key = column[2];
    const sign = state.sortAscending ? 1 : -1;
    return [...state.rows].sort((a, b) => {
      const x = key(a),
        y = key(b);
      return (x < y ? -1 : x > y ? 1 : a.ticket_id - b.ticket_id) * sign;
    });
  }

  function header(state) {
    return el(
      "tr",
      {},
      ...COLUMNS.map(([key, label]) => {
        const active = state.sortKey === key;
        return el(
          "th",
          {
            scope: "col",
            "aria-sort": active ? (state.sortAscending ? "ascending" : "descending") : "none",
          },
          el(
            "button",
            {
              class: "sort",
              "data-key": key,
              on: {
                click: () => {
                  state.sortAscending = active ? !state.sortAscending : true;
                  state.sortKey = key;
                  draw(state);
                },
              },
            },
            label,
            active ? (state.sortAscending ? " ▲" : " ▼") : "",
          ),
        );
      }),
    );
  }

  function row(state, t) {
    const [slaText, slaTone] = slaOf(t);
    const openIt = () => openTicket(state, t.ticket_id);
    return el(
      "tr",
      {
        class: "hit",
        tabindex: 0,
        "data-ticket-id": t.ticket_id,
        on: { click: openIt, keydown: (event) => event.key === "Enter" && openIt() },
      },
      el("td", { class: "num" }, String(t.ticket_id)),
      el("td", { class: "title" }, t.title),
      el("td", {}, t.customer.name),
      el("td", {}, t.status),
      el("td", {}, t.priority || ""),
      el("td", { class: "sla" }, el("span", { class: `badge ${slaTone}`.trim() }, slaText)),
      el("td", { class: "num" }, t.created_at ? age(Date.now() - new Date(t.created_at)) : ""),
    );
  }

  function draw(state) {
    const more = state.nextCursor
      ? el(
          "button",
          { class: "more", disabled: state.busy, on: { click: () => loadMore(state) } },
          state.busy ? "Loading…" : "More",
        )
      : null;
    put(
      state.root,
      el("h1", {}, "Tickets"),
      el("p", { class: "muted count" }, `${state.rows.length} of ${state.total} matching tickets`),
      state.note && el("div", { class: "notice" }, state.note),
      state.error && el("div", { class: "notice error" }, state.error),
      el(
        "table",
        { class: "queue" },
        el("thead", {}, header(state)),
        el("tbody", {}, ...sorted(state).map((t) => row(state, t))),
      ),
      el("div", { class: "pager" }, more),
    );
  }

  async function loadMore(state) {
    state.busy = true;
    draw(state);
    const result = await host
      .callTool("search_tickets", { ...state.args, cursor: state.nextCursor })
      .catch((error) => ({
        isError: true,
        content: [{ type: "text", text: String(error.message || error) }],
      }));
    state.busy = false;
    if (result.isError) {
      state.error = resultText(result);
    } else {
      const page = result.structuredContent;
      const seen = new Set(state.rows.map((t) => t.ticket_id));
      state.rows.push(...page.tickets.filter((t) => !seen.has(t.ticket_id)));
      state.total = page.total;
      state.nextCursor = page.next_cursor;
    }
    draw(state);
  }

  function openTicket(state, id) {
    const cardRoot = el("div", { class: "card" });
    put(
      state.root,
      el("button", { class: "back", on: { click: () => draw(state) } }, "← Back to the queue"),
      cardRoot,
    );
    card.open(cardRoot, id);
  }

  // Draws search_tickets' structuredContent; `args` are the call's arguments, for "More".
  function show(root, content, args) {
    const state = {
      root,
      args: { ...args },
      rows: [...content.tickets],
      total: content.total,
      nextCursor: content.next_cursor,
      note: content.note,
      sortKey: null,
      sortAscending: true,
      busy: false,
      error: null,
    };
    delete state.args.cursor;
    draw(state);
    return state;
  }

  return { show };
})();
