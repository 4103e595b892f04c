"use strict";
// The billing chart: get_billable's buckets as stacked SVG bars (billable against
// non-billable), by customer and by technician for a period, by ticket for a list of tickets.
// The same numbers are a table too, for screen readers and for copying into an invoice.
const billing = (() => {
  const WIDTH = 640;
  const LABEL = 190;
  const VALUE = 70;
  const ROW = 26;

  function shorten(text, length) {
    return text.length > length ? `${text.slice(0, length - 1)}…` : text;
  }

  function label(bucket, perTicket) {
    if (perTicket) return `#${bucket.id}${bucket.name ? ` ${bucket.name}` : ""}`;
    return bucket.name || (bucket.id ? `#${bucket.id}` : "(none)");
  }

  function chart(title, buckets, perTicket) {
    const most = Math.max(...buckets.map((b) => b.billable_seconds + b.non_billable_seconds), 1);
    const span = WIDTH - LABEL - VALUE;
    const height = buckets.length * ROW + 4;
    const rows = buckets.map((b, i) => {
      const y = i * ROW + 4;
      const billable = (b.billable_seconds / most) * span;
      const other = (b.non_billable_seconds / most) * span;
      const name = label(b, perTicket);
      return svg(
        "g",
        { class: "bar-row" },
        svg(
          "title",
          {},
          `${name}: ${hoursText(b.billable_hours)} billable, ${hoursText(b.non_billable_hours)} non-billable`,
        ),
        svg("text", { x: 0, y: y + 15, class: "bar-label" }, shorten(name, 25)),
        svg("rect", {
          x: LABEL,
          y,
          width: billable.toFixed(1),
          height: ROW - 8,
          class: "billable",
        }),
        svg("rect", {
          x: (LABEL + billable).toFixed(1),
          y,
          width: other.toFixed(1),
          height: ROW - 8,
          class: "non-billable",
        }),
        svg(
          "text",
          { x: WIDTH, y: y + 15, class: "bar-value", "text-anchor": "end" },
          hoursText(b.billable_hours + b.non_billable_hours),
        ),
      );
    });
    return el(
      "figure",
      { class: "chart" },
      el("figcaption", {}, title),
      svg(
        "svg",
        { viewBox: `0 0 ${WIDTH} ${height}`, width: "100%", role: "img", "aria-label": title },
        ...rows,
      ),
    );
  }

  function table(title, buckets, totals, perTicket) {
    const line = (b, name, tag) =>
      el(
        "tr",
        {},
        el(tag, { scope: "row" }, name),
        el("td", { class: "num" }, hoursText(b.billable_hours)),
        el("td", { class: "num" }, hoursText(b.non_billable_hours)),
        el("td", { class: "num" }, hoursText(b.on_site_hours)),
        el("td", { class: "num" }, hoursText(b.billable_hours + b.non_billable_hours)),
      );
    return el(
      "table",
      { class: "figures" },
      el("caption", {}, title),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", {}, perTicket ? "Ticket" : "Name"),
          el("th", { class: "num" }, "Billable"),
          el("th", { class: "num" }, "Non-billable"),
          el("th", { class: "num" }, "On site"),
          el("th", { class: "num" }, "Total"),
        ),
      ),
      el("tbody", {}, ...buckets.map((b) => line(b, label(b, perTicket), "td"))),
      el("tfoot", {}, line(totals, "All", "th")),
    );
  }

  function tile(name, value, key) {
    return el(
      "div",
      { class: "tile" },
      el("div", { class: "muted" }, name),
      el("div", { class: "tile-value", "data-total": key }, value),
    );
  }

  function legend() {
    return el(
      "p",
      { class: "legend" },
      el("span", { class: "swatch billable" }),
      " Billable ",
      el("span", { class: "swatch non-billable" }),
      " Non-billable",
    );
  }

  function show(root, data) {
    const t = data.totals;
    const all = t.billable_seconds + t.non_billable_seconds;
    const onSite = all ? Math.round((t.on_site_seconds / all) * 100) : 0;
    const perTicket = !data.period;
    const groups = perTicket
      ? [["By ticket", data.by_ticket]]
      : [
          ["By customer", data.by_customer],
          ["By technician", data.by_technician],
        ];
    put(
      root,
      el("h1", {}, "Billable time"),
      el("p", { class: "muted period" }, data.period || `${data.by_ticket.length} tickets`),
      el(
        "div",
        { class: "tiles" },
        tile("Billable", hoursText(t.billable_hours), "billable"),
        tile("Non-billable", hoursText(t.non_billable_hours), "non-billable"),
        tile("Total", hoursText(t.billable_hours + t.non_billable_hours), "total"),
        tile("On site", `${onSite}%`, "on-site-share"),
      ),
      data.complete === false &&
        el(
          "div",
          { class: "notice error" },
          "Incomplete: the report stopped at its entry cap, or rows were cut to the biggest.",
        ),
      data.missing_ticket_ids && data.missing_ticket_ids.length
        ? el("div", { class: "notice" }, `Not found: ${data.missing_ticket_ids.join(", ")}`)
        : null,
      legend(),
      ...groups
        .filter(([, buckets]) => buckets.length)
        .map(([title, buckets]) => chart(title, buckets, perTicket)),
      ...groups
        .filter(([, buckets]) => buckets.length)
        .map(([title, buckets]) => table(title, buckets, t, perTicket)),
      all ? null : el("p", { class: "muted" }, "No time logged."),
    );
  }

  return { show };
})();
