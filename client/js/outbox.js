// @ts-check
// The outbox: messages the user sent that the server has not confirmed yet.
// Each shows at once and goes out with a random clientID; the echo with that
// ClientID (or the same message in a join or history reply) confirms it.
// Unconfirmed messages are sent again, with the same clientID, once on each
// new connection and after RESEND_MS without an echo, so the server stores
// them once. They are kept in the tab's sessionStorage across reloads.

import { MAX_MESSAGE_LENGTH, errorText, newClientID } from './protocol.js';
import * as storage from './storage.js';

/** @typedef {import('./app.js').ChatApp} ChatApp */
/** @typedef {import('./state.js').Outgoing} Outgoing */

/** An unconfirmed message is sent again after this many ms. */
const RESEND_MS = 5000;
/** Sends of one message before it is marked as failed. */
const MAX_TRIES = 5;

export class Outbox {
  /** @param {ChatApp} app */
  constructor(app) {
    this.app = app;
  }

  /**
   * add: the user sent text in the open channel. It shows at once and goes
   * out now or after the reconnection.
   * @param {string} text
   * @returns {boolean} false when refused (the text stays in the box)
   */
  add(text) {
    const st = this.app.state;
    if (!st.me) return false;
    if ([...text].length > MAX_MESSAGE_LENGTH) {
      this.app.views.chat.toast(`Messages can be at most ${MAX_MESSAGE_LENGTH} characters long.`);
      return false;
    }
    const o = st.addOutgoing(st.current, text, newClientID(), Date.now());
    this.app.views.chat.messages.stick = true;
    this.transmit(o);
    this.save();
    this.app.render();
    return true;
  }

  /**
   * transmit sends an outgoing message on this connection.
   * @param {Outgoing} o
   */
  transmit(o) {
    if (!this.app.online) return;
    if (this.app.send('channelMessage', { recipientUUID: o.channel, message: o.text, clientID: o.clientID })) {
      o.sentEpoch = this.app.epoch;
      o.sentAt = Date.now();
      o.tries++;
    }
  }

  /** flush sends every message not yet sent on this connection. */
  flush() {
    let any = false;
    for (const o of this.app.state.outbox) {
      if (!o.error && o.sentEpoch !== this.app.epoch) {
        this.transmit(o);
        any = true;
      }
    }
    if (any) this.save();
  }

  /**
   * resend sends again what the server has not confirmed in time (a frame
   * dropped under load, an answer lost in a reconnection), once the open
   * channel is joined; after MAX_TRIES a message is marked as failed.
   */
  resend() {
    const now = Date.now();
    const app = this.app;
    const st = app.state;
    if (!app.online || app.sync.joined !== st.current) return;
    for (const o of st.outbox) {
      if (o.error || o.channel !== st.current || o.sentEpoch !== app.epoch || now - o.sentAt < RESEND_MS) continue;
      if (o.tries >= MAX_TRIES) o.error = 'the server did not confirm it';
      else this.transmit(o);
      this.save();
    }
  }

  /** @param {string} clientID */
  retry(clientID) {
    const o = this.app.state.outbox.find((x) => x.clientID === clientID);
    if (!o) return;
    delete o.error;
    o.tries = 0;
    o.sentEpoch = 0;
    this.transmit(o);
    this.save();
    this.app.render();
  }

  /** @param {string} clientID */
  discard(clientID) {
    this.app.state.outbox = this.app.state.outbox.filter((x) => x.clientID !== clientID);
    this.save();
    this.app.render();
  }

  /**
   * onError: a channelMessage was refused. A 429 is left to resend; any
   * other error marks the message sent on this connection as not sent.
   * @param {number} code
   * @param {string} text
   */
  onError(code, text) {
    if (code === 429) return;
    const o = this.app.state.outbox.find((x) => !x.error && x.sentEpoch === this.app.epoch);
    if (o) o.error = errorText(code, text).replace(/\.$/, '');
    this.save();
  }

  // --- the tab's storage ---

  /**
   * load takes the user's unsent messages from the tab's storage.
   * @param {string} uuid
   */
  load(uuid) {
    this.app.state.outbox = storage.loadOutbox(uuid);
  }

  save() {
    const me = this.app.state.me;
    if (me) storage.saveOutbox(me.UUID, this.app.state.outbox);
  }

  /** forgetStored empties the signed-in user's outbox in the tab's storage. */
  forgetStored() {
    const me = this.app.state.me;
    if (me) storage.saveOutbox(me.UUID, []);
  }
}
