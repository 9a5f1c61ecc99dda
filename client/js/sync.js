// @ts-check
// The open channel kept in step with the server: a connection is joined to
// one channel at a time; a channel seen before is rejoined with since (the
// last offset seen), so what was missed while away arrives in the join
// reply. Older messages come a page at a time with channelHistory; live
// messages arrive as channelMessage.

import { GENERAL, errorText } from './protocol.js';

/** @typedef {import('./app.js').ChatApp} ChatApp */

/** Messages asked for per channelHistory page. */
const HISTORY_PAGE = 50;

export class ChannelSync {
  /** @param {ChatApp} app */
  constructor(app) {
    this.app = app;
    /** the channel whose join reply came on this connection */
    this.joined = /** @type {string | null} */ (null);
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
   * after the last message seen when the channel was loaded before.
   * @param {string} key
   */
  join(key) {
    const st = this.app.state;
    st.openChannel(key);
    this.joined = null;
    if (!this.app.online) return;
    /** @type {{recipientUUID: string, since?: number}} */
    const req = { recipientUUID: key };
    const since = st.sinceFor(key);
    if (since !== undefined) req.since = since;
    this.app.send('channelJoin', req);
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
    st.applyJoin(key, p.messages ?? [], p.recovered);
    if (key === st.current) {
      this.joined = key;
      this.app.outbox.flush();
    }
    this.app.outbox.save();
  }

  /** @param {any} p the channelHistory reply: a page of older messages */
  onHistory(p) {
    this.app.state.applyHistory(p.recipientUUID ?? GENERAL, p.messages ?? [], !!p.hasMore);
    this.app.outbox.save();
  }

  /** @param {any} p a live channelMessage, maybe the echo of our own */
  onLive(p) {
    const st = this.app.state;
    const r = st.applyLive(p);
    if (r.own && r.key === st.current) this.app.views.chat.messages.stick = true;
    this.app.outbox.save();
  }

  /**
   * @param {number} code
   * @param {string} text
   */
  onJoinError(code, text) {
    if (code === 404 && this.app.state.current !== GENERAL) this.open(GENERAL);
    else this.app.views.chat.toast(errorText(code, text));
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
