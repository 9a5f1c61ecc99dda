// @ts-check
// The open channel kept in step with the server: a connection is joined to
// one channel at a time; a channel seen before is rejoined with its position
// (since: the last offset received in order, and the stream's epoch), so
// what was missed while away arrives in the join reply, or the reply says
// the stream is not the one we knew (recovered: false) and replaces what we
// held. A live message past the position shows a gap: the channel is
// rejoined on the same connection. Older messages come a page at a time with
// channelHistory.

import { RETRY_BACKOFF, backoffDelay } from './backoff.js';
import { GENERAL, errorText } from './protocol.js';
import { saveOpenChannel } from './storage.js';

/** @typedef {import('./app.js').ChatApp} ChatApp */

/** Messages asked for per channelHistory page. */
const HISTORY_PAGE = 50;

export class ChannelSync {
  /** @param {ChatApp} app */
  constructor(app) {
    this.app = app;
    /** the channel whose join reply came on this connection */
    this.joined = /** @type {string | null} */ (null);
    /** join requests refused with 503 or 429 in a row */
    this.joinRetries = 0;
  }

  /** onDown: the connection is gone, and with it the join and any history request. */
  onDown() {
    this.joined = null;
    for (const log of this.app.state.channels.values()) log.loadingOlder = false;
  }

  /**
   * open opens a channel.
   * @param {string} key GENERAL or a user's UUID
   */
  open(key) {
    if (key !== this.app.state.current || this.joined !== key) {
      this.join(key);
      this.app.render();
    }
    this.app.views.chat.composer.offerFocus();
  }

  /**
   * join makes key the open channel and joins it, asking for what came
   * after its position when the channel was loaded before.
   * @param {string} key
   */
  join(key) {
    const st = this.app.state;
    st.openChannel(key);
    if (st.me) saveOpenChannel(st.me.UUID, key);
    this.joined = null;
    if (!this.app.online) return;
    this.app.send('channelJoin', { recipientUUID: key, ...st.positionFor(key) });
  }

  rejoinIfNeeded() {
    if (this.app.online && this.joined !== this.app.state.current) this.join(this.app.state.current);
  }

  loadOlder() {
    const log = this.app.state.open;
    if (!this.app.online || !log.loaded || !log.hasMore || log.loadingOlder) return;
    log.loadingOlder = true;
    this.app.send('channelHistory', { recipientUUID: log.key, before: log.first, limit: HISTORY_PAGE });
    this.app.render();
  }

  // --- the server's answers ---

  /** @param {any} p the channelJoin reply: users and messages */
  onJoined(p) {
    const st = this.app.state;
    const key = p.recipientUUID ?? GENERAL;
    for (const u of p.users ?? []) if (u?.UUID) st.upsertUser(u, true);
    st.applyJoin(key, Array.isArray(p.messages) ? p.messages : [], { recovered: p.recovered, epoch: p.epoch, offset: p.offset });
    if (key === st.current) {
      this.joined = key;
      this.joinRetries = 0;
      this.app.outbox.flush();
    }
    this.app.outbox.save();
  }

  /** @param {any} p the channelHistory reply: a page of older messages */
  onHistory(p) {
    this.app.state.applyHistory(p.recipientUUID ?? GENERAL, p.messages ?? [], !!p.hasMore);
    this.app.outbox.save();
  }

  /**
   * @param {any} p a live channelMessage, maybe the echo of our own
   * @returns {ReturnType<import('./state.js').ChatState['applyLive']>}
   */
  onLive(p) {
    const st = this.app.state;
    const r = st.applyLive(p, this.joined);
    if (r.own && r.key === st.current) this.app.views.chat.messages.stick = true;
    if (r.result === 'gap') {
      // Missed something: ask for everything after the position, on this
      // connection. Until the reply, live messages only extend the log.
      this.join(r.key);
    } else if (r.result === 'conflict') {
      // Another message at an offset we hold: the stream went back under
      // the same epoch. What we hold is not the stream's: start afresh.
      st.channel(r.key).forget();
      this.join(r.key);
    }
    this.app.outbox.save();
    return r;
  }

  /**
   * @param {number} code
   * @param {string} text
   */
  onJoinError(code, text) {
    if (code === 404 && this.app.state.current !== GENERAL) {
      this.open(GENERAL);
      return;
    }
    this.app.views.chat.toast(errorText(code, text));
    if (code === 503 || code === 429) {
      // Ask again later, more slowly each time.
      setTimeout(() => this.rejoinIfNeeded(), backoffDelay(this.joinRetries++, RETRY_BACKOFF));
    }
  }

  /**
   * @param {number} code
   * @param {string} text
   */
  onHistoryError(code, text) {
    this.app.state.open.loadingOlder = false;
    if (code !== 429) this.app.views.chat.toast(errorText(code, text));
  }

  /** onThrottled: a request was dropped (429); the ones that matter are asked again. */
  onThrottled() {
    const st = this.app.state;
    for (const log of st.channels.values()) log.loadingOlder = false;
    if (this.app.online && this.joined !== st.current) setTimeout(() => this.rejoinIfNeeded(), 1000);
  }
}
