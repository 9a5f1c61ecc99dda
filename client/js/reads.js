// @ts-check
// Read positions kept in step with the server (PROTOCOL.md, "Read
// positions"): after every sign-in and resume the client asks for
// `channels`, whose last and read offsets give each channel's unread count,
// also for what came while the tab was closed; channelRead replies and the
// pushes of the user's other connections move positions on. As the person
// sees messages (the open channel, the tab visible and focused, the messages
// on screen: views/seen.js), the highest offset seen goes out in a
// channelRead, at most once per READ_EVERY_MS per channel, never smaller
// than one sent before. One seen while offline, or lost in a drop, goes out
// after the next channels reply. The counts themselves are unread.js.

import { GENERAL } from './protocol.js';

/** @typedef {import('./app.js').ChatApp} ChatApp */

/** At most one channelRead per channel in this many ms. */
export const READ_EVERY_MS = 1000;

export class ReadSync {
  /** @param {ChatApp} app */
  constructor(app) {
    this.app = app;
    /** @type {Map<string, ReturnType<typeof setTimeout>>} channelReads waiting for their turn, by channel */
    this.timers = new Map();
  }

  /** request asks for every channel's offsets: after each sign-in or resume, before the join. */
  request() {
    this.app.send('channels');
  }

  /** @param {any} p the channels reply: {channels: [{recipientUUID, lastOffset, readOffset, lastMessage}]} */
  onChannels(p) {
    const st = this.app.state;
    const list = Array.isArray(p.channels) ? p.channels : [];
    for (const c of list) {
      // A private channel's other user, maybe beyond the users page: listed with its count.
      const m = c?.lastMessage;
      const other = [m?.Sender, m?.Recipient].find((u) => u?.UUID && u.UUID === c?.recipientUUID);
      if (other) st.upsertUser(other, false);
    }
    for (const key of st.reads.fromChannels(list)) this.flush(key, true);
  }

  /** @param {any} p a channelRead reply, or a push from another connection of the user */
  onRead(p) {
    this.app.state.reads.told(typeof p.recipientUUID === 'string' ? p.recipientUUID : GENERAL, Number(p.offset) || 0);
  }

  /**
   * saw: the person saw the messages of a channel up to an offset.
   * @param {string} key
   * @param {number} offset
   * @returns {boolean} the read position moved (the badges change)
   */
  saw(key, offset) {
    if (!this.app.state.reads.saw(key, offset)) return false;
    this.schedule(key);
    return true;
  }

  /**
   * schedule sends the channel's position now, or once READ_EVERY_MS has
   * passed since the last one.
   * @param {string} key
   */
  schedule(key) {
    const p = this.app.state.reads.at(key);
    if (!p.due || this.timers.has(key)) return;
    const wait = p.sentAt + READ_EVERY_MS - Date.now();
    if (wait <= 0) {
      this.flush(key);
      return;
    }
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.flush(key);
    }, wait));
  }

  /**
   * flush sends what the person saw of a channel, when the server does not
   * have it yet; again, when the server lacks what was sent before.
   * @param {string} key
   * @param {boolean} [again] sent before, but not stored
   */
  flush(key, again = false) {
    const p = this.app.state.reads.map.get(key);
    if (!p || !this.app.online) return;
    if (!(p.due || (again && p.seen > p.server && p.seen >= p.sent))) return;
    if (!this.app.send('channelRead', { recipientUUID: key, offset: p.seen })) return;
    p.sent = p.seen;
    p.sentAt = Date.now();
  }
}
