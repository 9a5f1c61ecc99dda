// @ts-check
// The message list of the open channel: day dividers, messages grouped by
// sender, own messages on the right, unconfirmed ones marked. Nodes are kept
// by key across renders (an own message keeps its node from "sending" to
// stored), the scroll position follows the newest message when the reader is
// at the bottom and holds still when older history is added above.

import { dayKey, dayLabel, parseTime, timeLabel } from '../format.js';
import { byId, el, setAvatar, setText, show } from './dom.js';

/** @typedef {import('../state.js').ChatState} ChatState */
/** @typedef {import('../outbox.js').Outgoing} Outgoing */
/** @typedef {import('../protocol.js').Message} Message */

/** Messages of one sender closer than this are grouped. */
const GROUP_MS = 5 * 60 * 1000;
/** Distance from the top that loads older messages, in px. */
const TOP_SLACK = 120;
/** Distance from the bottom that still counts as "at the bottom", in px. */
const BOTTOM_SLACK = 48;

/**
 * @typedef {object} Item
 * @property {string} key
 * @property {string} sig what the node shows; a new sig redraws it
 * @property {() => HTMLElement} draw
 */

export class MessageListView {
  /**
   * @param {{onLoadOlder: () => void, onRetry: (clientID: string) => void, onDiscard: (clientID: string) => void}} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.scroller = byId('messages');
    this.list = byId('message-list');
    this.empty = byId('messages-empty');
    this.loadOlder = byId('load-older', HTMLButtonElement);
    this.loadingOlder = byId('loading-older');
    this.start = byId('history-start');
    this.jump = byId('jump', HTMLButtonElement);
    /** @type {Map<string, {node: HTMLElement, sig: string}>} */
    this.nodes = new Map();
    /** @type {string | null} the channel on screen */
    this.channel = null;
    /** the next render scrolls to the bottom */
    this.stick = false;
    /** older history may be asked for */
    this.canLoadOlder = false;

    this.scroller.addEventListener('scroll', () => {
      if (this.atBottom()) show(this.jump, false);
      if (this.scroller.scrollTop < TOP_SLACK && this.canLoadOlder) this.handlers.onLoadOlder();
    }, { passive: true });
    this.loadOlder.addEventListener('click', () => this.handlers.onLoadOlder());
    this.jump.addEventListener('click', () => {
      this.toBottom();
      this.scroller.focus({ preventScroll: true });
    });
    this.list.addEventListener('click', (ev) => {
      const b = /** @type {Element} */ (ev.target).closest('button[data-action]');
      if (!(b instanceof HTMLButtonElement)) return;
      const id = b.dataset.clientId ?? '';
      if (b.dataset.action === 'retry') this.handlers.onRetry(id);
      else this.handlers.onDiscard(id);
    });
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= BOTTOM_SLACK;
  }

  toBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    show(this.jump, false);
  }

  /**
   * render shows the open channel.
   * @param {ChatState} state
   * @param {{online: boolean, now: Date}} ctx online: sends go out now
   */
  render(state, ctx) {
    const log = state.open;
    const switched = this.channel !== state.current;
    if (switched) {
      this.list.replaceChildren();
      this.nodes.clear();
      this.channel = state.current;
      show(this.jump, false);
    }
    const stay = switched || this.stick || this.atBottom();
    this.stick = false;
    const anchor = /** @type {HTMLElement | null} */ (this.list.firstElementChild);
    const anchorTop = anchor ? anchor.offsetTop : 0;
    const lastBefore = this.list.lastElementChild;

    const items = this.items(state, ctx);
    this.reconcile(items);

    const nothing = items.length === 0;
    show(this.empty, nothing);
    setText(this.empty, !log.loaded ? 'Loading messages…' : 'No messages yet. Say hello!');
    this.canLoadOlder = log.loaded && log.hasMore && !log.loadingOlder;
    show(this.loadOlder, this.canLoadOlder);
    show(this.loadingOlder, log.loadingOlder);
    const atStart = log.loaded && !log.hasMore && !nothing;
    show(this.start, atStart);
    if (atStart) {
      const other = state.current ? state.users.get(state.current)?.Username : '';
      setText(this.start, other ? `This is the start of your private conversation with ${other}.` : 'This is the start of General, the channel everyone sees.');
    }

    if (stay) {
      this.toBottom();
    } else {
      if (anchor && anchor.isConnected) this.scroller.scrollTop += anchor.offsetTop - anchorTop;
      if (this.list.lastElementChild !== lastBefore) show(this.jump, true);
    }
  }

  /**
   * items lists what the channel shows, in order.
   * @param {ChatState} state
   * @param {{online: boolean, now: Date}} ctx
   * @returns {Item[]}
   */
  items(state, ctx) {
    const me = state.me?.UUID ?? '';
    /** @type {{key: string, sender: string, name: string, text: string, at: Date, own: boolean, offset: number, out?: Outgoing}[]} */
    const rows = state.open.messages.map((m) => ({
      key: m.SenderUUID === me && m.ClientID ? 'c:' + m.ClientID : 'm:' + m.Offset,
      sender: m.SenderUUID,
      name: m.Sender?.Username ?? state.users.get(m.SenderUUID)?.Username ?? 'Someone',
      text: m.Message,
      at: parseTime(m.CreatedAt),
      own: m.SenderUUID === me,
      offset: m.Offset,
    }));
    for (const o of state.pending(state.current)) {
      rows.push({ key: 'c:' + o.clientID, sender: me, name: state.me?.Username ?? '', text: o.text, at: parseTime(o.createdAt), own: true, offset: 0, out: o });
    }
    /** @type {Item[]} */
    const items = [];
    const days = new Set();
    let prev = null;
    for (const r of rows) {
      const day = dayKey(r.at);
      if (!prev || dayKey(prev.at) !== day) {
        const label = dayLabel(r.at, ctx.now);
        // A pending message has the local clock's time, which may fall
        // before the last stored one's day: keys must stay unique.
        let key = 'd:' + day;
        while (days.has(key)) key += '+';
        days.add(key);
        items.push({ key, sig: label, draw: () => drawDay(r.at, label) });
        prev = null;
      }
      const cont = !!prev && prev.sender === r.sender && r.at.getTime() - prev.at.getTime() < GROUP_MS;
      const status = r.out ? outStatus(r.out, ctx.online) : '';
      items.push({
        key: r.key,
        sig: [cont, status, r.offset].join('|'),
        draw: () => drawMessage(r, cont, status),
      });
      prev = r;
    }
    return items;
  }

  /**
   * reconcile makes the list show items, reusing nodes by key.
   * @param {Item[]} items
   */
  reconcile(items) {
    const keep = new Set(items.map((i) => i.key));
    for (const [key, n] of this.nodes) {
      if (!keep.has(key)) {
        n.node.remove();
        this.nodes.delete(key);
      }
    }
    let at = this.list.firstElementChild;
    for (const item of items) {
      let n = this.nodes.get(item.key);
      if (!n) {
        n = { node: item.draw(), sig: item.sig };
        this.nodes.set(item.key, n);
      } else if (n.sig !== item.sig) {
        const node = item.draw();
        if (at === n.node) at = node;
        n.node.replaceWith(node);
        n.node = node;
        n.sig = item.sig;
      }
      if (n.node === at) at = at.nextElementSibling;
      else this.list.insertBefore(n.node, at);
    }
  }
}

/**
 * outStatus is what an unsent message shows: failed:<reason> (with Retry
 * unless failed-final:<reason>), retrying:<why>, sending or waiting.
 * @param {Outgoing} o
 * @param {boolean} online
 */
function outStatus(o, online) {
  if (o.error) return (o.noRetry ? 'failed-final:' : 'failed:') + o.error;
  if (o.retryAt && o.note) return 'retrying:' + o.note;
  return online ? 'sending' : 'waiting';
}

/**
 * @param {Date} at
 * @param {string} label
 */
function drawDay(at, label) {
  return el('li', { class: 'day', attrs: { 'data-day': dayKey(at) } }, el('span', {}, label));
}

/**
 * @param {{key: string, sender: string, name: string, text: string, at: Date, own: boolean, offset: number, out?: Outgoing}} r
 * @param {boolean} cont the same sender as the message above
 * @param {string} status '' when stored, else one of outStatus
 */
function drawMessage(r, cont, status) {
  const classes = ['msg'];
  if (r.own) classes.push('own');
  if (cont) classes.push('cont');
  if (status) classes.push(status.startsWith('failed') ? 'failed' : 'pending');

  let avatar = null;
  if (!r.own) {
    avatar = el('span', { class: 'avatar', attrs: { 'aria-hidden': 'true' } });
    if (cont) avatar.classList.add('spacer');
    else setAvatar(avatar, r.sender, r.name);
  }
  const sender = el('span', { class: cont || r.own ? 'sender visually-hidden' : 'sender' }, r.own ? 'You' : r.name);
  const time = el('time', { attrs: { datetime: r.at.toISOString(), title: r.at.toLocaleString() } }, timeLabel(r.at));
  const meta = el('span', { class: 'meta' }, time);
  if (status === 'sending' || status === 'waiting') {
    meta.append(el('span', { class: 'state' }, status === 'sending' ? ' · Sending…' : ' · Waiting for connection'));
  } else if (status.startsWith('retrying:')) {
    meta.append(el('span', { class: 'state' }, ' · ' + status.slice('retrying:'.length) + '…'));
  }
  const bubble = el('div', { class: 'bubble' }, el('p', { class: 'text' }, r.text), meta);
  const body = el('div', { class: 'body' }, sender, bubble);
  if (status.startsWith('failed')) {
    const id = r.out?.clientID ?? '';
    const button = (/** @type {string} */ action, /** @type {string} */ label) =>
      el('button', { class: 'link-button', attrs: { type: 'button', 'data-action': action, 'data-client-id': id } }, label);
    const why = status.slice(status.indexOf(':') + 1);
    const failure = el('p', { class: 'failure' }, 'Not sent: ' + why + '. ');
    if (!status.startsWith('failed-final:')) failure.append(button('retry', 'Retry'), ' ');
    failure.append(button('discard', 'Discard'));
    body.append(failure);
  }
  /** @type {Record<string, string>} */
  const attrs = { 'data-key': r.key };
  if (r.offset) attrs['data-offset'] = String(r.offset);
  if (r.out) attrs['data-client-id'] = r.out.clientID;
  return el('li', { class: classes.join(' '), attrs }, avatar, body);
}
