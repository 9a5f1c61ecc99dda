// @ts-check
// The message list of the open channel: day dividers, the "New since you
// left" divider (scrolled to when it appears: the reader starts there),
// messages grouped by sender (the time written once per group, the others'
// on hover or focus), links clickable, own messages on the right,
// unconfirmed ones marked. Nodes are kept by key across renders (an own
// message keeps its node from "sending" to stored), the scroll position
// follows the newest message when the reader is at the bottom (also when the
// pane shrinks) and holds still when older history is added above, where a
// button counts the messages that arrived below. After each change it tells
// what the person sees (seen.js): the newest message on screen, while they
// look.

import { parseTime } from '../format.js';
import { countArrived, jumpText, layout } from '../timeline.js';
import { byId, setText, show } from './dom.js';
import { drawDay, drawMessage, drawNew, outStatus } from './message.js';
import { looking, newestOnScreen } from './seen.js';

/** @typedef {import('../state.js').ChatState} ChatState */

/** Distance from the top that loads older messages, in px. */
const TOP_SLACK = 120;
/** Distance from the bottom that still counts as "at the bottom", in px. */
const BOTTOM_SLACK = 48;

/**
 * @typedef {object} Item
 * @property {string} key
 * @property {string} sig what the node shows; a new sig redraws it
 * @property {boolean} message a message, not a day divider
 * @property {() => HTMLElement} draw
 */

/** @typedef {import('./message.js').Row} Row */

export class MessageListView {
  /**
   * @param {{onLoadOlder: () => void, onRetry: (clientID: string) => void, onDiscard: (clientID: string) => void,
   *   onEdit: (clientID: string) => void, onSeen: (key: string, offset: number) => void}} handlers
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
    /** the messages' keys shown, in order */
    /** @type {string[]} */
    this.shown = [];
    /** messages that arrived below since the reader left the bottom */
    this.arrived = 0;
    /** the reader was at the bottom when last seen: a smaller pane keeps them there */
    this.pinned = true;
    /** the placing of the "new" divider shown last (ReadPositions.divider.placed) */
    this.placed = 0;

    this.scroller.addEventListener('scroll', () => {
      this.pinned = this.atBottom();
      if (this.pinned) this.clearArrived();
      if (this.scroller.scrollTop < TOP_SLACK && this.canLoadOlder) this.handlers.onLoadOlder();
      this.reportSeen();
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
      else if (b.dataset.action === 'edit') this.handlers.onEdit(id);
      else this.handlers.onDiscard(id);
    });
    // The banner above the pane, the typing line or a taller composer
    // shrink the pane: a reader at the bottom stays there.
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        if (this.pinned && !this.atBottom()) this.scroller.scrollTop = this.scroller.scrollHeight;
        this.reportSeen();
      }).observe(this.scroller);
    }
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= BOTTOM_SLACK;
  }

  toBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
    this.clearArrived();
  }

  /**
   * toDivider scrolls the "new" divider to the top of the pane, or to the
   * bottom when what follows it fits.
   * @param {HTMLElement} divider
   */
  toDivider(divider) {
    const s = this.scroller;
    const top = s.scrollTop + divider.getBoundingClientRect().top - s.getBoundingClientRect().top - 8;
    if (top >= s.scrollHeight - s.clientHeight) {
      this.toBottom();
      return;
    }
    s.scrollTop = top;
    this.pinned = this.atBottom();
  }

  /** reportSeen tells the app the newest message on screen, while the person looks. */
  reportSeen() {
    if (this.channel === null || !looking()) return;
    const offset = newestOnScreen(this.scroller, this.list);
    if (offset > 0) this.handlers.onSeen(this.channel, offset);
  }

  clearArrived() {
    this.arrived = 0;
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
      this.shown = [];
      this.clearArrived();
    }
    const stay = switched || this.stick || this.atBottom();
    const anchor = /** @type {HTMLElement | null} */ (this.list.firstElementChild);
    const anchorTop = anchor ? anchor.offsetTop : 0;

    const items = this.items(state, ctx);
    this.reconcile(items);
    const divider = this.nodes.get('new')?.node ?? null;
    const freshDivider = !!divider && state.reads.divider.placed !== this.placed && !this.stick;
    if (divider) this.placed = state.reads.divider.placed;
    const before = this.shown;
    this.shown = items.filter((i) => i.message).map((i) => i.key);

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
      setText(this.start, !state.current ? 'This is the start of General, the channel everyone sees.'
        : `This is the start of your private conversation${other ? ` with ${other}` : ''}.`);
    }

    this.stick = false;
    if (stay && divider && freshDivider) {
      this.toDivider(divider);
    } else if (stay) {
      this.toBottom();
    } else {
      if (anchor && anchor.isConnected) this.scroller.scrollTop += anchor.offsetTop - anchorTop;
      this.arrived += countArrived(before, this.shown);
      if (this.arrived > 0) {
        setText(this.jump, jumpText(this.arrived));
        show(this.jump, true);
      }
    }
    this.reportSeen();
  }

  /**
   * items lists what the channel shows, in order.
   * @param {ChatState} state
   * @param {{online: boolean, now: Date}} ctx
   * @returns {Item[]}
   */
  items(state, ctx) {
    const me = state.me?.UUID ?? '';
    /** @type {Row[]} */
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
    return layout(rows, ctx.now, state.reads.dividerFor(state.current)).map((e) => {
      if (e.kind === 'day') return { key: e.key, sig: e.label, message: false, draw: () => drawDay(e.at, e.label) };
      if (e.kind === 'new') return { key: e.key, sig: 'new', message: false, draw: drawNew };
      const { row, cont, showTime } = e;
      const status = row.out ? outStatus(row.out, ctx.online) : '';
      return {
        key: e.key,
        sig: [cont, showTime, status, row.offset].join('|'),
        message: true,
        draw: () => drawMessage(row, cont, showTime, status),
      };
    });
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
