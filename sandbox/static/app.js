// The sandbox page: renders the state the server pushes (server-sent events) and posts what people do.
// Every element is built with DOM calls from plain text and Telegram's entities (a whitelist of Telegram's
// formatting): no innerHTML anywhere, so nothing the bot or a person writes can become markup.
"use strict";

const view = {
  state: null,
  customer: null,
  staff: null,
  topic: "all", // "all", "general" or a message_thread_id
  replyTo: { private: null, group: null },
  forceReplySeen: { private: 0, group: 0 },
  source: null,
};

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// -- Telegram text: entities → elements (whitelist) -----------------------------------------------------------------
const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote", spoiler: "span", text_link: "a", url: "a",
  text_mention: "span", mention: "span", hashtag: "span", cashtag: "span", bot_command: "span", email: "span",
  phone_number: "span", custom_emoji: "span",
};
const SAFE_LINK = /^https?:\/\//i; // tg:// links (mentions) stay plain: there is no Telegram app to open them

function entityElement(entity, text, chat) {
  const tag = ENTITY_TAGS[entity.type] || "span";
  const node = document.createElement(tag);
  node.className = "tg-" + entity.type.replace(/[^a-z_]/g, "");
  if (entity.type === "text_link" || entity.type === "url") {
    const href = entity.type === "url" ? text : String(entity.url || "");
    if (SAFE_LINK.test(href)) {
      node.setAttribute("href", href);
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  } else if (entity.type === "bot_command") {
    node.setAttribute("role", "button");
    node.title = "Enviar este comando";
    node.addEventListener("click", () => send(chat, text));
  } else if (entity.type === "spoiler") {
    node.addEventListener("click", () => node.classList.add("revealed"));
  }
  return node;
}

function renderText(text, entities, chat) {
  const fragment = document.createDocumentFragment();
  const sorted = [...(entities || [])]
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const build = (parent, start, end, list) => {
    let position = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      if (entity.offset < position || entity.offset >= end) { i += 1; continue; }
      if (entity.offset > position) parent.append(text.slice(position, entity.offset));
      const stop = Math.min(entity.offset + entity.length, end);
      const inner = [];
      let j = i + 1;
      while (j < list.length && list[j].offset < stop) { inner.push(list[j]); j += 1; }
      const node = entityElement(entity, text.slice(entity.offset, stop), chat);
      build(node, entity.offset, stop, inner);
      parent.append(node);
      position = stop;
      i = j;
    }
    if (position < end) parent.append(text.slice(position, end));
  };
  build(fragment, 0, text.length, sorted);
  return fragment;
}

// -- rendering -----------------------------------------------------------------------------------------------------
function when(seconds) {
  if (!seconds) return "";
  const d = new Date(seconds * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(d.getDate())}/${two(d.getMonth() + 1)} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

function topicName(threadId) {
  const topics = (view.state && view.state.group.topics) || [];
  const topic = topics.find((t) => t.thread_id === threadId);
  return topic ? topic.name : "Geral";
}

function mediaNode(media) {
  const url = "/arquivo/" + encodeURIComponent(media.file_id);
  if (media.kind === "photo") {
    return el("a", { href: url, target: "_blank", rel: "noopener", class: "photo" },
      el("img", { src: url, alt: "foto", loading: "lazy" }));
  }
  if (media.kind === "sticker") return el("span", { class: "sticker" }, media.emoji || "🖼️");
  const label = { document: "📄", video: "🎬", voice: "🎤", audio: "🎵", animation: "🎞️", video_note: "📹" }[media.kind] || "📎";
  const size = media.size ? ` (${Math.max(1, Math.round(media.size / 1024))} KB)` : "";
  return el("a", { href: url, class: "file", download: media.name || "arquivo" }, `${label} ${media.name || media.kind}${size}`);
}

function messageNode(message, chat) {
  if (message.service) {
    return el("li", { class: "message service", dataset: { id: message.id } }, message.service);
  }
  const mine = !message.from_bot;
  const node = el("li", { class: "message " + (message.from_bot ? "bot" : "person"), dataset: { id: message.id } });
  const head = el("div", { class: "meta" },
    el("span", { class: "sender" }, message.from_bot ? "🤖 " + message.sender : message.sender));
  if (chat === "group" && view.topic === "all" && (view.state.group.topics || []).length) {
    head.append(el("span", { class: "topic-badge" }, "# " + topicName(message.thread_id)));
  }
  node.append(head);
  if (message.reply_to) {
    node.append(el("div", { class: "quote" }, "↩ " + (message.reply_to.excerpt || "mensagem")));
  }
  if (message.media) node.append(mediaNode(message.media));
  if (message.contact) {
    node.append(el("div", { class: "contact" }, `👤 ${message.contact.name} · ${message.contact.phone}`));
  }
  if (message.text) node.append(el("div", { class: "text" }, renderText(message.text, message.entities, chat)));
  const foot = el("div", { class: "foot" });
  if (message.edited) foot.append(el("span", { class: "edited" }, "editada"));
  foot.append(el("time", {}, when(message.date)));
  foot.append(el("button", { type: "button", class: "link reply-action", title: "Responder a esta mensagem",
    onclick: () => setReply(chat, message) }, "responder"));
  node.append(foot);
  if (message.inline_keyboard && message.inline_keyboard.length) {
    const keyboard = el("div", { class: "inline" });
    for (const row of message.inline_keyboard) {
      const line = el("div", { class: "inline-row" });
      for (const button of row) {
        if (button.url && SAFE_LINK.test(button.url)) {
          line.append(el("a", { class: "inline-button", href: button.url, target: "_blank", rel: "noopener noreferrer" }, button.text + " ↗"));
        } else {
          line.append(el("button", { type: "button", class: "inline-button",
            onclick: (event) => press(chat, message.id, button.data, event.currentTarget) }, button.text));
        }
      }
      keyboard.append(line);
    }
    node.append(keyboard);
  }
  if (!mine) node.classList.add("incoming");
  return node;
}

function renderMessages(list, messages, chat) {
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const nodes = messages.map((m) => messageNode(m, chat));
  if (!nodes.length) nodes.push(el("li", { class: "empty" }, chat === "private"
    ? "Nada ainda. Comece com /start." : "Nada ainda no grupo."));
  list.replaceChildren(...nodes);
  if (nearBottom || !list.dataset.rendered) list.scrollTop = list.scrollHeight;
  list.dataset.rendered = "1";
}

function groupMessages() {
  const all = view.state.group.messages;
  if (view.topic === "all") return all;
  if (view.topic === "general") return all.filter((m) => !m.thread_id);
  return all.filter((m) => m.thread_id === view.topic);
}

function renderTopics() {
  const nav = $("#group-topics");
  const topics = view.state.group.topics;
  nav.hidden = !topics;
  if (!topics) return;
  const choices = [["all", "Todos"], ["general", "Geral"],
    ...topics.map((t) => [t.thread_id, (t.closed ? "🔒 " : "# ") + t.name])];
  if (!choices.some(([key]) => key === view.topic)) view.topic = "all";
  const chips = choices.map(([key, label]) => {
    const count = key === "all" ? view.state.group.messages.length
      : view.state.group.messages.filter((m) => (key === "general" ? !m.thread_id : m.thread_id === key)).length;
    return el("button", { type: "button", class: "topic" + (key === view.topic ? " active" : ""),
      "aria-pressed": key === view.topic ? "true" : "false",
      onclick: () => { view.topic = key; render(); } }, label, el("span", { class: "count" }, String(count)));
  });
  if (!nav.contains(topicForm)) nav.append(el("div", { class: "chips" }), topicForm);
  $(".chips", nav).replaceChildren(...chips); // the form stays put: typing a topic's name survives a state push
}

// A staff member may open a forum topic, as in Telegram (the bot sees the service message).
const topicForm = el("form", { class: "new-topic", onsubmit: async (event) => {
  event.preventDefault();
  const input = event.target.elements.name;
  const result = await post("group", "/api/topic", { ...who("group"), name: input.value });
  if (result.ok) { input.value = ""; view.topic = result.thread_id; }
} }, el("input", { name: "name", placeholder: "novo tópico", "aria-label": "Nome do novo tópico", maxlength: "128" }),
  el("button", { type: "submit", title: "Criar tópico" }, "+"));

function renderKeyboard() {
  const box = $("#private-keyboard");
  const rows = view.state.keyboard;
  box.replaceChildren(...rows.map((row) => el("div", { class: "keyboard-row" }, ...row.map((button) =>
    el("button", { type: "button", class: "keyboard-button" + (button.request_contact ? " contact" : ""),
      onclick: () => (button.request_contact ? shareContact() : send("private", button.text)) },
    button.request_contact ? "📱 " + button.text : button.text)))));
  box.hidden = !rows.length;
}

function renderMenu(chat) {
  const menu = $(`#${chat}-composer .menu`);
  const commands = view.state.menus[chat];
  menu.replaceChildren(...commands.map((c) => el("li", {},
    el("button", { type: "button", onclick: () => {
      menu.hidden = true;
      const suffix = chat === "group" ? "@" + view.state.bot.username : "";
      send(chat, `/${c.command}${suffix}`);
    } }, el("strong", {}, "/" + c.command), " ", el("span", { class: "muted" }, c.description)))));
  if (!commands.length) menu.replaceChildren(el("li", { class: "muted" }, "O bot ainda não definiu comandos aqui."));
}

function renderProblems() {
  const problems = view.state.problems;
  $("#problem-count").textContent = String(problems.length);
  const floods = problems.filter((p) => p.status === 429).length;
  $("#problem-floods").textContent = floods ? `(${floods} por limite de envio: o bot espera e envia de novo)` : "";
  $("#problem-list").replaceChildren(...problems.map((p) =>
    el("li", {}, el("code", {}, p.method), ` → ${p.status} ${p.description || ""}`,
      p.status === 429 ? el("span", { class: "muted" }, " (limite de envio do Telegram: o bot espera e envia de novo)")
        : null)));
}

function fillSelect(select, groups, chosen) {
  const count = groups.reduce((total, [, people]) => total + people.length, 0);
  if (select.options.length !== count) {
    select.replaceChildren(...groups.map(([title, people]) => el("optgroup", { label: title },
      ...people.map((p) => el("option", { value: p.id }, p.name)))));
  }
  select.value = String(chosen);
}

function autoReply(chat, messages) {
  // Like the Telegram apps: a ForceReply prompt makes the next message a reply to it.
  const last = [...messages].reverse().find((m) => m.from_bot);
  if (last && last.force_reply && last.id > view.forceReplySeen[chat]) {
    view.forceReplySeen[chat] = last.id;
    setReply(chat, last);
  }
}

function render() {
  const state = view.state;
  if (!state) return;
  document.querySelectorAll(".bot-name").forEach((n) => { n.textContent = "@" + state.bot.username; });
  fillSelect($("#customer-select"), [["Clientes", state.customers], ["Equipe (conversa privada)", state.staff]],
    view.customer);
  fillSelect($("#staff-select"), [["Equipe", state.staff]], view.staff);
  const customer = state.customers.find((c) => c.id === view.customer);
  $("#customer-phone").textContent = customer ? "📱 " + customer.phone : "";
  $("#group-title").textContent = (state.group.title || "Grupo da equipe") +
    (state.bot_in_group ? "" : " (o bot ainda não entrou)");
  renderMessages($("#private-messages"), state.private.messages, "private");
  renderTopics();
  const shown = groupMessages();
  renderMessages($("#group-messages"), shown, "group");
  renderKeyboard();
  renderMenu("private");
  renderMenu("group");
  renderProblems();
  autoReply("private", state.private.messages);
  autoReply("group", state.group.messages);
}

// -- live state ----------------------------------------------------------------------------------------------------
function connect() {
  if (view.source) view.source.close();
  const query = new URLSearchParams();
  if (view.customer) query.set("customer", view.customer);
  if (view.staff) query.set("staff", view.staff);
  const source = new EventSource("/api/events?" + query);
  view.source = source;
  source.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    view.customer = state.customer;
    view.staff = state.staff_member;
    view.state = state;
    $("#connection").textContent = "ao vivo";
    $("#connection").className = "connection live";
    render();
  });
  source.onerror = () => {
    $("#connection").textContent = "reconectando…";
    $("#connection").className = "connection down";
  };
}

// -- acting --------------------------------------------------------------------------------------------------------
function who(chat) {
  return { chat, customer: view.customer, staff: view.staff };
}

function threadId(chat) {
  return chat === "group" && typeof view.topic === "number" ? view.topic : null;
}

function notice(chat, text, kind = "error") {
  const box = $(`#${chat}-composer .notice`);
  box.textContent = text || "";
  box.className = "notice " + kind;
  box.hidden = !text;
}

async function post(chat, path, body) {
  let result;
  try {
    const response = await fetch(path, body instanceof FormData
      ? { method: "POST", body }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    result = await response.json();
  } catch (error) {
    result = { ok: false, error: "O sandbox não respondeu (ele ainda está rodando?)." };
  }
  if (!result.ok) notice(chat, result.error);
  else notice(chat, result.note || "", "info");
  return result;
}

async function send(chat, text) {
  const reply = view.replyTo[chat];
  const result = await post(chat, "/api/send", { ...who(chat), text, thread_id: threadId(chat),
    reply_to: reply ? reply.id : null });
  if (result.ok) setReply(chat, null);
  return result;
}

async function press(chat, messageId, data, button) {
  if (button) button.classList.add("pressed");
  const result = await post(chat, "/api/press", { ...who(chat), message_id: messageId, data });
  if (button) button.classList.remove("pressed");
  if (result.ok && result.answer) {
    if (result.alert) showAlert(result.answer);
    else showToast(result.answer);
  }
}

async function shareContact() {
  await post("private", "/api/contact", who("private"));
}

async function upload(chat, kind, input) {
  const file = input.files && input.files[0];
  input.value = "";
  if (!file) return;
  const form = new FormData();
  const composer = $(`#${chat}-composer`);
  const caption = composer.elements.text.value;
  for (const [key, value] of Object.entries(who(chat))) if (value !== null) form.append(key, value);
  form.append("kind", kind);
  form.append("caption", caption);
  if (threadId(chat) !== null) form.append("thread_id", threadId(chat));
  form.append("file", file, file.name);
  const result = await post(chat, "/api/upload", form);
  if (result.ok) composer.elements.text.value = "";
}

function setReply(chat, message) {
  view.replyTo[chat] = message;
  const box = $(`#${chat}-composer .replying`);
  box.hidden = !message;
  $("span", box).textContent = message
    ? `Respondendo a ${message.from_bot ? "🤖 " : ""}${message.sender}: ${(message.text || "").slice(0, 60)}`
    : "";
  if (message) $(`#${chat}-composer textarea`).focus();
}

let toastTimer = null;
function showToast(text) {
  const toast = $("#toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 3500);
}

function showAlert(text) {
  const box = $("#alert");
  $("p", box).textContent = text;
  box.hidden = false;
  $("button", box).focus();
}

function setUpComposer(chat) {
  const form = $(`#${chat}-composer`);
  const textarea = form.elements.text;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value;
    if (!text.trim()) { notice(chat, "O Telegram não envia mensagem vazia."); return; }
    const result = await send(chat, text);
    if (result.ok) textarea.value = "";
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  $(".menu-button", form).addEventListener("click", () => { const m = $(".menu", form); m.hidden = !m.hidden; });
  $(".cancel-reply", form).addEventListener("click", () => setReply(chat, null));
  form.elements.photo.addEventListener("change", (event) => upload(chat, "photo", event.target));
  form.elements.document.addEventListener("change", (event) => upload(chat, "document", event.target));
}

document.addEventListener("DOMContentLoaded", () => {
  setUpComposer("private");
  setUpComposer("group");
  $("#customer-select").addEventListener("change", (event) => {
    view.customer = Number(event.target.value);
    setReply("private", null);
    $("#private-messages").dataset.rendered = "";
    connect();
  });
  $("#staff-select").addEventListener("change", (event) => { view.staff = Number(event.target.value); connect(); });
  $("#alert button").addEventListener("click", () => { $("#alert").hidden = true; });
  connect();
});
