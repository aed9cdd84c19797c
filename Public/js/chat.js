// The chat column: one WebSocket per channel (CONTRACT.md, "Chat WebSocket"). The server
// enforces every rule; this module only shows state and says why a message was refused.
// Text is only ever set with textContent: a message is never HTML.
import { csrfToken } from './api.js';
import { CloseCode } from './close-codes.js';
import { siteURL } from './urls.js';
import { viewerId } from './viewer-id.js';

const MAX_LENGTH = 500;
const NEAR_BOTTOM = 48;          // px: closer than this to the end counts as "following"
const MAX_LINES = 300;           // older lines are dropped from the page
const COMMUNITY_REFRESH = 3000;  // ms between presence refreshes while the tab is open
const COLOR = /^#[0-9a-f]{6}$/i;

class ChatPanel {
  constructor(root) {
    this.root = root;
    this.channel = root.dataset.channel;
    this.isOwner = root.dataset.owner === 'true';
    this.log = root.querySelector('[data-chat-log]');
    this.newButton = root.querySelector('[data-chat-new]');
    this.notice = root.querySelector('[data-chat-notice]');
    this.form = root.querySelector('[data-chat-form]');
    this.input = root.querySelector('[data-chat-input]');
    this.counter = root.querySelector('[data-chat-counter]');
    this.countdown = root.querySelector('[data-chat-countdown]');
    this.sendButton = root.querySelector('[data-chat-send]');
    this.error = root.querySelector('[data-chat-error]');
    this.viewers = root.querySelector('[data-chat-viewers]');
    this.you = null;
    this.settings = { enabled: true, slowModeSeconds: 0, followersOnly: false };
    this.kicked = false;
    this.retries = 0;
    this.waitUntil = 0;
    this.community = new CommunityTab(root, this);

    this.log.addEventListener('scroll', () => { if (this.atBottom()) this.newButton.hidden = true; });
    this.newButton.addEventListener('click', () => this.scrollToEnd());
    this.form?.addEventListener('submit', (event) => { event.preventDefault(); this.send(); });
    this.input?.addEventListener('input', () => this.updateCounter());
    this.input?.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.send(); }
    });
    this.log.addEventListener('click', (event) => this.onLogClick(event));
    this.connect();
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}${this.root.dataset.chatUrl}?viewer=${viewerId()}`);
    this.socket = socket;
    this.greeted = false;
    socket.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      this.onFrame(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (event.code === CloseCode.EJECTED || this.kicked) { this.onKicked(); return; }
      if (!this.greeted && this.retries > 2) {
        this.showNotice('You cannot join this chat right now. The streamer may have removed you.');
        return;
      }
      this.reconnectSoon();
    };
  }

  reconnectSoon() {
    const delay = Math.min(1000 * 2 ** this.retries, 15000);
    this.retries += 1;
    this.showNotice('Reconnecting to chat…');
    setTimeout(() => { if (!this.socket && !this.kicked) this.connect(); }, delay);
  }

  onFrame(frame) {
    switch (frame.type) {
      case 'hello':
        this.greeted = true;
        this.root.dataset.ready = 'true';
        this.retries = 0;
        this.you = frame.you;
        this.settings = frame.settings;
        this.log.replaceChildren();
        for (const message of frame.history) this.append(message, false);
        if (!frame.history.length) this.log.append(line('chat-empty muted', 'Welcome to the chat. Say hello!'));
        this.scrollToEnd();
        this.applyState();
        break;
      case 'message':
        this.log.querySelector('.chat-empty')?.remove();
        this.append(frame, true);
        if (frame.username === this.you?.username && !this.you?.isStreamer && this.settings.slowModeSeconds > 0) {
          this.startCountdown(this.settings.slowModeSeconds);
        }
        break;
      case 'settings':
        this.settings = { enabled: frame.enabled, slowModeSeconds: frame.slowModeSeconds, followersOnly: frame.followersOnly };
        this.applyState();
        break;
      case 'you':
        this.you = frame.you;
        this.applyState();
        break;
      case 'viewers':
        this.viewers.textContent = `${frame.count} watching · ${frame.chatters} in chat`;
        break;
      case 'error':
        this.onError(frame);
        break;
      case 'kicked':
        this.kicked = true;
        this.onKicked(frame.message);
        break;
      default:
        break;
    }
  }

  // Why this viewer cannot post right now: the server's word (`you.canChat`/`you.reason`,
  // sent again whenever it changes), never worked out here.
  get refusal() {
    if (this.kicked) return 'kicked';
    if (!this.you) return 'not_signed_in';
    return this.you.canChat ? null : (this.you.reason ?? 'not_signed_in');
  }

  applyState() {
    const notices = {
      kicked: 'You were removed from this chat by the streamer.',
      chat_disabled: 'Chat is off for this channel.',
      followers_only: `Followers-only chat: follow ${this.channel} to join in.`,
    };
    const refusal = this.refusal;
    const notes = [];
    if (refusal && notices[refusal]) notes.push(notices[refusal]);
    if (!refusal && this.settings.slowModeSeconds > 0) {
      notes.push(`Slow mode: one message every ${this.settings.slowModeSeconds} s${this.you?.isStreamer ? ' (you are exempt)' : ''}.`);
    }
    this.showNotice(notes.join(' '), refusal === 'kicked' || refusal === 'chat_disabled' ? 'is-blocking' : '');
    const disabled = refusal === 'kicked' || refusal === 'chat_disabled';
    if (this.input) this.input.disabled = disabled;
    this.updateCounter();
  }

  showNotice(text, kind = '') {
    this.notice.textContent = text;
    this.notice.className = `chat-notice ${kind}`.trim();
    this.notice.hidden = !text;
  }

  updateCounter() {
    if (!this.input) return;
    const length = [...this.input.value.trim()].length;
    this.counter.textContent = `${length}/${MAX_LENGTH}`;
    this.counter.classList.toggle('is-over', length > MAX_LENGTH);
    const waiting = this.waitUntil > Date.now();
    this.sendButton.disabled = this.input.disabled || length === 0 || length > MAX_LENGTH || waiting || !this.socket;
  }

  send() {
    if (!this.input || this.sendButton.disabled || !this.socket) return;
    const text = this.input.value.trim();
    this.socket.send(JSON.stringify({ type: 'message', text }));
    this.input.value = '';
    this.error.textContent = '';
    this.updateCounter();
  }

  onError(frame) {
    if (frame.code === 'slow_mode' || frame.code === 'rate_limited') this.startCountdown(frame.retryAfter ?? 1);
    this.error.textContent = frame.message;
    this.applyState();
  }

  startCountdown(seconds) {
    this.waitUntil = Date.now() + seconds * 1000;
    clearInterval(this.countdownTimer);
    const tick = () => {
      const left = Math.ceil((this.waitUntil - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(this.countdownTimer);
        this.countdown.hidden = true;
        this.countdown.textContent = '';
      } else {
        this.countdown.hidden = false;
        this.countdown.textContent = `Wait ${left} s`;
      }
      this.updateCounter();
    };
    tick();
    this.countdownTimer = setInterval(tick, 250);
  }

  onKicked(message) {
    this.kicked = true;
    this.socket?.close();
    this.error.textContent = '';
    this.applyState();
    if (message) this.showNotice(message, 'is-blocking');
    this.form?.setAttribute('hidden', '');
    document.dispatchEvent(new CustomEvent('metropole:ejected', { detail: { username: this.channel } }));
  }

  atBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < NEAR_BOTTOM;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
    this.newButton.hidden = true;
  }

  append(message, live) {
    const following = this.atBottom();
    const item = document.createElement('li');
    item.className = 'chat-line';
    item.dataset.username = message.username;
    const sent = new Date(message.sentAt);
    if (!Number.isNaN(sent.getTime())) {
      const time = document.createElement('time');
      time.className = 'chat-time';
      time.dateTime = message.sentAt;
      time.textContent = sent.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
      item.append(time);
    }
    if (message.isStreamer) item.append(line('chat-badge', 'Streamer', 'span'));
    const name = line('chat-name', message.username, 'span');
    if (COLOR.test(message.color)) name.style.color = message.color;
    const text = line('chat-text', message.text, 'span');
    const me = this.you?.username;
    if (me && message.username !== me && message.text.toLowerCase().includes(`@${me.toLowerCase()}`)) item.classList.add('is-mention');
    item.append(name, document.createTextNode(': '), text);
    if (this.isOwner && !message.isStreamer) item.append(moderationMenu(message.username));
    this.log.append(item);
    while (this.log.children.length > MAX_LINES) this.log.firstElementChild.remove();
    if (!live || following) this.scrollToEnd();
    else this.newButton.hidden = false;
  }

  onLogClick(event) {
    const button = event.target.closest('[data-moderate]');
    if (button) moderate(button.dataset.moderate, button.dataset.username, button);
  }
}

/// The Community tab: who is in the chat now, searchable; kick and block for the streamer.
class CommunityTab {
  constructor(root, chat) {
    this.root = root;
    this.chat = chat;
    this.url = root.dataset.chattersUrl;
    this.list = root.querySelector('[data-community-list]');
    this.count = root.querySelector('[data-community-count]');
    this.search = root.querySelector('[data-community-search]');
    this.tabs = [...root.querySelectorAll('[data-tab]')];
    this.people = [];
    for (const tab of this.tabs) tab.addEventListener('click', () => this.select(tab.dataset.tab));
    root.querySelector('[role="tablist"]').addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
      const next = this.tabs[(this.tabs.indexOf(document.activeElement) + 1) % this.tabs.length];
      next.focus();
      this.select(next.dataset.tab);
    });
    this.search.addEventListener('input', () => this.render());
    this.list.addEventListener('click', (event) => {
      const button = event.target.closest('[data-moderate]');
      if (button) moderate(button.dataset.moderate, button.dataset.username, button).then(() => this.refresh());
    });
  }

  select(name) {
    for (const tab of this.tabs) {
      const selected = tab.dataset.tab === name;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    for (const pane of this.root.querySelectorAll('[data-pane]')) pane.hidden = pane.dataset.pane !== name;
    clearInterval(this.timer);
    if (name === 'community') {
      this.refresh();
      this.timer = setInterval(() => this.refresh(), COMMUNITY_REFRESH);
    }
  }

  async refresh() {
    try {
      const response = await fetch(this.url, { headers: { Accept: 'application/json' } });
      if (!response.ok) return;
      const body = await response.json();
      this.people = body.people;
      this.guests = body.guests;
      this.total = body.count;
      this.render();
    } catch {
      // Offline for a moment: the next refresh tries again.
    }
  }

  render() {
    const term = this.search.value.trim().toLowerCase();
    const shown = this.people.filter((person) => person.username.toLowerCase().includes(term));
    const guests = this.guests ? ` · ${this.guests} guest${this.guests === 1 ? '' : 's'}` : '';
    this.count.textContent = `${this.total ?? 0} in chat${guests}`;
    const me = this.chat.you?.username;
    this.list.replaceChildren(...shown.map((person) => {
      const item = document.createElement('li');
      item.className = 'community-person';
      const name = line('chat-name', person.username, 'span');
      if (COLOR.test(person.color)) name.style.color = person.color;
      item.append(name);
      if (person.isStreamer) item.append(line('chat-badge', 'Streamer', 'span'));
      if (this.chat.isOwner && person.username !== me) item.append(moderationMenu(person.username, 'community-actions'));
      return item;
    }));
    if (!shown.length) this.list.append(line('muted community-empty', term ? 'Nobody by that name.' : 'Nobody signed in is here yet.'));
  }
}

function line(className, text, tag = 'li') {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = text;
  return element;
}

function moderationMenu(username, className = 'chat-menu') {
  const menu = document.createElement('span');
  menu.className = className;
  for (const [action, label] of [['kick', 'Kick'], ['block', 'Block']]) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `btn btn-ghost chat-action ${action === 'block' ? 'is-danger' : ''}`.trim();
    button.dataset.moderate = action;
    button.dataset.username = username;
    button.textContent = label;
    button.setAttribute('aria-label', `${label} ${username}`);
    menu.append(button);
  }
  return menu;
}

async function moderate(action, username, button) {
  const url = siteURL(action === 'kick' ? 'kicks' : 'blocked', { username });
  button.disabled = true;
  try {
    const response = await fetch(url, {
      method: action === 'kick' ? 'POST' : 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: action === 'kick' ? '{}' : undefined,
    });
    button.textContent = response.ok ? (action === 'kick' ? 'Kicked' : 'Blocked') : 'Failed';
  } catch {
    button.textContent = 'Failed';
  }
}

for (const root of document.querySelectorAll('[data-chat]')) new ChatPanel(root);
