// @ts-check
// The outbox: messages the user sent that the server has not confirmed yet.
// Each shows at once and goes out with a random clientID; the echo with that
// ClientID (or the same message in a join or history reply) confirms it.
// Unconfirmed messages are sent again, with the same clientID, once on each
// new connection and after RESEND_MS without an echo, so the server stores
// them once. An error frame names its message by clientID: 503 and 429 keep
// it queued for a retry with backoff, 400 and 413 mark it as not sent with
// Edit, any other error with Retry (protocol.js remedy). They are kept in the
// tab's sessionStorage across reloads and the loss of the server's data.

import { RETRY_BACKOFF, backoffDelay } from './backoff.js';
import { messageLength, tooLongText } from './limit.js';
import { GENERAL, errorText, newClientID, remedy } from './protocol.js';
import * as storage from './storage.js';

/** @typedef {import('./app.js').ChatApp} ChatApp */

/**
 * A message typed here that the server has not confirmed yet. It is sent
 * with its clientID, as often as needed: the server stores it once.
 *
 * @typedef {object} Outgoing
 * @property {string} clientID
 * @property {string} channel the channel's key (recipientUUID)
 * @property {string} text
 * @property {string} createdAt ISO time it was typed
 * @property {number} sentEpoch the connection it was last sent on, 0 for none
 * @property {number} sentAt when it was last sent, in ms
 * @property {number} tries how many times it was sent
 * @property {string} [error] why it was not sent: shown with Retry and Discard
 * @property {boolean} [noRetry] sending it again cannot help (refused as
 *   invalid, or its recipient is gone): Retry is not offered
 * @property {boolean} [editable] the server refused this text (400, 413):
 *   Edit puts it back in the composer
 * @property {number} [retryAt] the server asked to try again later (503,
 *   429): sent again at this time, in ms
 * @property {number} [retries] how many times the server asked that
 * @property {string} [note] why it waits for retryAt, shown meanwhile
 * @property {boolean} [lost] kept from data the server lost: the person's
 *   account is gone, the text is not; shown in General when its own channel
 *   is gone too
 */


/** An unconfirmed message is sent again after this many ms. */
const RESEND_MS = 5000;
/** Sends of one message without an answer before it is marked as failed. */
const MAX_TRIES = 5;

/** Why a message waits for a retry, per error code. */
const RETRY_NOTES = /** @type {Record<number, string>} */ ({
  503: 'The server cannot store messages right now; retrying',
  429: 'Sending too fast; retrying',
  401: 'Signing in again',
});

/** Why a message kept from the server's lost data was not sent. */
export const LOST_REASON = 'the chat server lost its data before storing it';

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
    const length = messageLength(text);
    if (length > this.app.maxMessageLength) {
      this.app.views.chat.toast(tooLongText(length, this.app.maxMessageLength));
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
      delete o.retryAt;
      delete o.note;
    }
  }

  /** flush sends every message not yet sent on this connection, unless it waits for a retry. */
  flush() {
    const now = Date.now();
    let any = false;
    for (const o of this.app.state.outbox) {
      if (!o.error && o.sentEpoch !== this.app.epoch && !(o.retryAt && o.retryAt > now)) {
        this.transmit(o);
        any = true;
      }
    }
    if (any) this.save();
  }

  /**
   * resend runs every second: sends what the server asked to retry once its
   * time has come, and again what the server has not confirmed in time (a
   * frame dropped under load, an answer lost in a reconnection) once the
   * open channel is joined; after MAX_TRIES without an answer a message is
   * marked as failed.
   */
  resend() {
    const now = Date.now();
    const app = this.app;
    const st = app.state;
    if (!app.online) return;
    const joined = app.sync.joined === st.current;
    for (const o of st.outbox) {
      if (o.error) continue;
      if (o.retryAt) {
        if (now >= o.retryAt) {
          this.transmit(o);
          this.save();
        }
        continue;
      }
      if (!joined || o.channel !== st.current || o.sentEpoch !== app.epoch || now - o.sentAt < RESEND_MS) continue;
      if (o.tries >= MAX_TRIES) o.error = 'the server did not confirm it';
      else this.transmit(o);
      this.save();
    }
  }

  /** @param {string} clientID */
  retry(clientID) {
    const o = this.app.state.outbox.find((x) => x.clientID === clientID);
    if (!o) return;
    for (const k of /** @type {const} */ (['error', 'noRetry', 'editable', 'retryAt', 'retries', 'note'])) delete o[k];
    o.tries = 0;
    o.sentEpoch = 0;
    this.transmit(o);
    this.save();
    this.app.render();
  }

  /**
   * edit takes a message that was not sent out, for its text to be edited.
   * @param {string} clientID
   * @returns {string | null} its text; null when it is not queued
   */
  edit(clientID) {
    const o = this.app.state.outbox.find((x) => x.clientID === clientID);
    if (!o) return null;
    this.discard(clientID);
    return o.text;
  }

  /** @param {string} clientID */
  discard(clientID) {
    this.app.state.outbox = this.app.state.outbox.filter((x) => x.clientID !== clientID);
    this.save();
    this.app.render();
  }

  /**
   * onError: a channelMessage was refused, and the error frame does not say
   * which (older servers). A 429 or 503 is left to resend; any other error
   * marks the message sent on this connection as not sent.
   * @param {number} code
   * @param {string} text
   */
  onError(code, text) {
    if (code === 429 || code === 503) return;
    const o = this.app.state.outbox.find((x) => !x.error && x.sentEpoch === this.app.epoch);
    if (o) fail(o, code, text);
    this.save();
  }

  /**
   * onErrorFor: the error frame names its message by clientID. 503 and 429
   * keep it queued and send it again after a backoff, with the same
   * clientID; 401 does too, after signing this connection in again; a
   * validation error (400, 413) marks it as not sent, with Edit; any other
   * as not sent, with Retry. An unknown clientID (confirmed or discarded
   * meanwhile) is ignored.
   * @param {string} clientID
   * @param {number} code
   * @param {string} text
   */
  onErrorFor(clientID, code, text) {
    const o = this.app.state.outbox.find((x) => x.clientID === clientID);
    if (!o || o.error) return;
    const note = RETRY_NOTES[code];
    if (remedy(code) === 'wait') {
      const n = o.retries ?? 0;
      o.retries = n + 1;
      o.retryAt = Date.now() + backoffDelay(n, RETRY_BACKOFF);
      o.note = note;
      o.tries = 0; // an answer: the sends so far were not lost
      o.sentEpoch = 0;
      if (code === 401 && this.app.auth.phase === 'in') this.app.auth.resume();
    } else {
      fail(o, code, text);
    }
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

  /**
   * keepLost: the server lost its data, the user's account with it. The
   * unsent messages are kept in the tab, marked as not sent with the reason,
   * for whoever signs in next in this tab (the person, with a new account):
   * General's can be retried; a private one (its recipient is gone too)
   * shows in General, named, and Edit puts its text in the composer.
   * @returns {number} how many were kept
   */
  keepLost() {
    const st = this.app.state;
    const items = st.outbox.map((o) => {
      /** @type {Outgoing} */
      const k = { clientID: o.clientID, channel: o.channel, text: o.text, createdAt: o.createdAt, sentEpoch: 0, sentAt: 0, tries: 0, lost: true, error: LOST_REASON };
      if (o.channel !== GENERAL) {
        const name = st.users.get(o.channel)?.Username;
        k.error = `${LOST_REASON} (a private message${name ? ` to ${name}` : ''}, whose account is gone too)`;
        k.noRetry = k.editable = true;
      }
      return k;
    });
    if (items.length) storage.saveLostOutbox([...storage.loadLostOutbox(), ...items]);
    st.outbox = [];
    return items.length;
  }

  /** adoptLost takes the messages kept by keepLost into the signed-in user's outbox. */
  adoptLost() {
    const lost = storage.loadLostOutbox();
    if (!lost.length) return;
    const st = this.app.state;
    const have = new Set(st.outbox.map((o) => o.clientID));
    st.outbox = [...lost.filter((o) => !have.has(o.clientID)), ...st.outbox];
    storage.saveLostOutbox([]);
    this.save();
  }
}

/**
 * fail marks a message as not sent for an error, with what can be done.
 * @param {Outgoing} o
 * @param {number} code
 * @param {string} text
 */
function fail(o, code, text) {
  o.error = reason(code, text);
  if (remedy(code) === 'edit') {
    o.noRetry = true;
    o.editable = true;
  }
}

/**
 * reason is the text shown after "Not sent:" for an error.
 * @param {number} code
 * @param {string} text
 */
function reason(code, text) {
  return errorText(code, text).replace(/\.$/, '');
}
