"use strict";
// The ticket card: what get_ticket returns, drawn, with the moves the server says are allowed.
// Every action is an ordinary tool call through the host, confirmed in the card first; the
// server checks it as it checks the model's calls, and a refusal shows the tool's own words.
const card = (() => {
  const { badges, people, slaClock, conversation, timeLogged } = ticketView;

  function actions(state) {
    const t = state.ticket;
    const moves = state.moves || [];
    const buttons = moves.map((status) =>
      el(
        "button",
        {
          class: "move",
          "data-status": status,
          disabled: state.busy,
          on: {
            click: () =>
              ask(state, `Set the status of #${t.ticket_id} to ${status}?`, "update_ticket", {
                ticket_id: t.ticket_id,
                status,
              }),
          },
        },
        `→ ${status}`,
      ),
    );
    return el(
      "div",
      { class: "moves" },
      ...(buttons.length
        ? buttons
        : [el("span", { class: "muted" }, "No status change is allowed from here.")]),
    );
  }

  function replyForm(state) {
    const t = state.ticket;
    const text = el("textarea", {
      rows: 3,
      placeholder: "Write a reply or a note…",
      "aria-label": "Reply text",
    });
    text.value = state.draft;
    const choice = (value, label) => {
      const input = el("input", {
        type: "radio",
        name: "visibility",
        value,
        checked: state.visibility === value,
      });
      input.addEventListener("change", () => {
        state.visibility = value;
        update();
      });
      return el("label", { class: "choice" }, input, ` ${label}`);
    };
    const send = el("button", { class: "send" }, "Send…");
    const update = () => {
      state.draft = text.value;
      send.disabled = state.busy || !state.visibility || !text.value.trim();
    };
    text.addEventListener("input", update);
    send.addEventListener("click", () => {
      const internal = state.visibility === "internal";
      const question = internal
        ? "Add this as an internal note (technicians only)?"
        : "Send this reply to the customer?";
      ask(
        state,
        question,
        "add_comment",
        { ticket_id: t.ticket_id, text: text.value, internal },
        () => {
          state.draft = "";
        },
      );
    });
    update();
    return el(
      "div",
      { class: "reply" },
      text,
      el(
        "div",
        { class: "reply-bar" },
        choice("internal", "Internal note"),
        choice("customer", "Visible to customer"),
        send,
      ),
    );
  }

  function confirmBar(state) {
    const c = state.confirm;
    if (!c) return null;
    return el(
      "div",
      { class: "confirm", role: "alertdialog" },
      el("span", {}, c.question),
      el(
        "button",
        { class: "primary confirm-yes", disabled: state.busy, on: { click: () => run(state) } },
        "Confirm",
      ),
      el(
        "button",
        {
          class: "confirm-no",
          disabled: state.busy,
          on: {
            click: () => {
              state.confirm = null;
              draw(state);
            },
          },
        },
        "Cancel",
      ),
    );
  }

  function draw(state) {
    const t = state.ticket;
    put(
      state.root,
      el(
        "div",
        { class: "head" },
        el(
          "span",
          { class: "muted number" },
          `#${t.ticket_id}${t.number && t.number !== String(t.ticket_id) ? ` · ${t.number}` : ""}`,
        ),
        el("h1", { class: "title" }, t.title),
      ),
      badges(t),
      people(t),
      el("h2", {}, "SLA"),
      slaClock(t),
      t.sla_estimated &&
        el("p", { class: "muted" }, "Atera set no due date: the priority's target is shown."),
      el("h2", {}, "Actions"),
      actions(state),
      replyForm(state),
      confirmBar(state),
      state.notice &&
        el("div", { class: `notice ${state.notice.kind}`, role: "status" }, state.notice.text),
      el("h2", {}, "Request"),
      el("div", { class: "description" }, t.description || "—"),
      el("h2", {}, "Time logged"),
      timeLogged(state.time),
      el("h2", {}, "Conversation"),
      conversation(state.comments),
    );
  }

  function ask(state, question, tool, args, after) {
    state.confirm = { question, tool, args, after };
    state.notice = null;
    draw(state);
  }

  async function run(state) {
    const { tool, args, after } = state.confirm;
    state.busy = true;
    draw(state);
    let result;
    try {
      result = await host.callTool(tool, args);
    } catch (error) {
      result = { isError: true, content: [{ type: "text", text: String(error.message || error) }] };
    }
    state.busy = false;
    state.confirm = null;
    if (result.isError) {
      state.notice = { kind: "error", text: resultText(result) || "The server refused this." };
      draw(state);
      return;
    }
    if (after) after();
    state.notice = { kind: "ok", text: resultText(result) };
    await reload(state);
  }

  function take(state, content) {
    state.ticket = content.ticket;
    state.moves = content.allowed_statuses || [];
    state.comments = content.comments;
    state.time = content.time;
  }

  async function reload(state) {
    const id = state.ticket.ticket_id;
    const result = await host
      .callTool("get_ticket", { ticket_id: id, include_comments: true, include_time: true })
      .catch((error) => ({
        isError: true,
        content: [{ type: "text", text: String(error.message || error) }],
      }));
    if (result.isError) state.notice = { kind: "error", text: resultText(result) };
    else take(state, result.structuredContent);
    draw(state);
  }

  // Draws get_ticket's structuredContent into `root`; fetches what it left out (comments, time).
  function show(root, content) {
    const state = { root, draft: "", visibility: null, busy: false, confirm: null, notice: null };
    take(state, content);
    draw(state);
    if (state.comments == null || state.time == null) reload(state);
    return state;
  }

  // Opens ticket `id` in `root` (from the queue): one get_ticket call through the host.
  async function open(root, id) {
    put(root, el("p", { class: "muted" }, `Opening ticket #${id}…`));
    const result = await host
      .callTool("get_ticket", { ticket_id: id, include_comments: true, include_time: true })
      .catch((error) => ({
        isError: true,
        content: [{ type: "text", text: String(error.message || error) }],
      }));
    if (result.isError) put(root, el("div", { class: "notice error" }, resultText(result)));
    else show(root, result.structuredContent);
  }

  return { show, open };
})();
