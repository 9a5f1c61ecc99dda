// @ts-check
// The app: turns frames from the socket into state changes, and the user's
// actions into requests. It owns the session's life: sign in or resume on
// every (re)connection, rejoin the open channel with since, and send what
// was typed while offline, each message once (by clientID).
//
// Sessions are per tab (see storage.js): a tab resumes its own session; a
// tab without one offers the browser's last session ("Continue as …"),
// which it adopts when chosen.

import {
  GENERAL, MAX_MESSAGE_LENGTH, authErrorText, decodeFrame, encodeFrame, errorText, newClientID,
} from './protocol.js';
import { ChatState } from './state.js';
import * as storage from './storage.js';

/** @typedef {import('./protocol.js').Message} Message */
/** @typedef {import('./state.js').Outgoing} Outgoing */
/** @typedef {import('./views/auth.js').AuthAction} AuthAction */
/** @typedef {import('./storage.js').Session} Session */
/**
 * The form's request: a sign-in or sign-up with a password, or resume, which
 * continues the last session with its access key. sent is set once it went
 * out.
 * @typedef {{action: AuthAction, username: string, password: string, sent?: boolean}
 *   | {action: 'resume', session: Session, sent?: boolean}} PendingAuth
 */

/** At most one typing frame per this many ms. */
const TYPING_EVERY_MS = 2500;
/** How long someone shows as typing after their typing push. */
const TYPING_SHOW_MS = 4000;
/** An unconfirmed message is sent again after this many ms. */
const RESEND_MS = 5000;
/** Sends of one message before it is marked as failed. */
const MAX_TRIES = 5;
/** Messages asked for per channelHistory page. */
const HISTORY_PAGE = 50;

/**
 * @typedef {object} Socket
 * @property {(data: string) => boolean} send
 * @property {() => void} retryNow
 * @property {string} state
 * @property {number} retryAt
 */

/**
 * @typedef {object} Views
 * @property {import('./views/auth.js').AuthView} auth
 * @property {import('./views/chat.js').ChatView} chat
 */

export class ChatApp {
  /**
   * @param {Socket} socket
   * @param {Views} views
   */
  constructor(socket, views) {
    this.socket = socket;
    this.views = views;
    this.state = new ChatState();
    /** the tab's own session */
    this.session = storage.loadSession();
    /**
     * the last session of this browser, offered on the form of a tab
     * without a session of its own
     * @type {Session | null}
     */
    this.offer = null;
    /**
     * out: no session; authing: the form's request is out; resuming:
     * signIn {accessKey} is out; in: signed in on this socket.
     * @type {'out' | 'authing' | 'resuming' | 'in'}
     */
    this.phase = 'out';
    /**
     * The form's request, sent when the socket opens.
     * @type {PendingAuth | null}
     */
    this.pendingAuth = null;
    /** the number of the current connection */
    this.epoch = 0;
    /** the channel whose join reply came on this connection */
    this.joined = /** @type {string | null} */ (null);
    this.lastTyping = 0;
    this.queued = false;
    /** signed in once since the page loaded: a drop is a reconnection */
    this.wasOnline = false;
  }

  /** start shows the first screen. */
  start() {
    if (this.session) {
      this.state.setMe(this.session.userUUID, this.session.username ?? '');
      this.state.outbox = storage.loadOutbox(this.session.userUUID);
      this.showChat();
    } else {
      this.showAuth('');
    }
    setInterval(() => this.tick(), 1000);
    this.render();
  }

  /** online: signed in on an open socket, so requests go out now. */
  get online() {
    return this.phase === 'in' && this.socket.state === 'open';
  }

  /**
   * send sends one request; false when the socket is down.
   * @param {string} type
   * @param {object} [payload]
   */
  send(type, payload) {
    return this.socket.send(encodeFrame(type, payload));
  }

  // --- socket events ---

  onOpen() {
    this.epoch++;
    this.joined = null;
    if (this.session) {
      this.phase = 'resuming';
      this.send('signIn', { accessKey: this.session.accessKey });
    } else if (this.pendingAuth) {
      this.sendAuth();
    }
    this.render();
  }

  /** @param {{code: number}} _info */
  onDown(_info) {
    if (this.phase === 'in' || this.phase === 'resuming') this.phase = this.session ? 'resuming' : 'out';
    this.joined = null;
    for (const log of this.state.channels.values()) log.loadingOlder = false;
    if (this.phase === 'authing') this.views.auth.setBusy(true, 'Connection lost. Retrying…');
    this.render();
  }

  /** @param {string} data */
  onMessage(data) {
    const f = decodeFrame(data);
    if (!f) return;
    const p = f.payload;
    const st = this.state;
    switch (f.type) {
      case 'authorized': {
        const a = this.pendingAuth;
        const username = a ? (a.action === 'resume' ? a.session.username : a.username) : this.session?.username;
        this.session = { accessKey: p.accessKey, userUUID: p.userUUID, username };
        // A sign-in from this tab's form (or a continued session) becomes
        // the browser's last session; a resume of the tab's own does not.
        storage.saveSession(this.session, { last: this.phase === 'authing' });
        break;
      }
      case 'sys':
        this.onSys(p);
        break;
      case 'users':
        st.setUsers(p.users ?? [], p.total ?? 0);
        break;
      case 'channelJoin':
        this.onJoined(p);
        break;
      case 'channelHistory':
        st.applyHistory(p.recipientUUID ?? GENERAL, p.messages ?? [], !!p.hasMore);
        this.saveOutbox();
        break;
      case 'channelMessage': {
        const r = st.applyLive(p);
        if (r.own && r.key === st.current) this.views.chat.messages.stick = true;
        this.saveOutbox();
        break;
      }
      case 'notify':
        st.applyNotify(p.recipientUUID ?? '', p.message);
        break;
      case 'typing':
        st.setTyping(p.recipientUUID ?? GENERAL, p.user, Date.now() + TYPING_SHOW_MS);
        break;
      case 'error':
        this.onError(p);
        break;
      default: // ready, signOut, channelLeave: nothing to do
    }
    this.render();
  }

  /** @param {any} p */
  onSys(p) {
    switch (p.type) {
      case 'signIn':
        this.onSignedIn(p.signIn?.uuid ?? '', p.signIn?.username ?? '');
        break;
      case 'presence':
        if (p.presence?.UUID) this.state.upsertUser(p.presence, true);
        break;
      case 'channelJoin':
      case 'channelLeave':
        if (p.user?.UUID) this.state.upsertUser(p.user, false);
        break;
    }
  }

  /**
   * onSignedIn: the connection acts as this user now.
   * @param {string} uuid
   * @param {string} username
   */
  onSignedIn(uuid, username) {
    const fromForm = this.phase !== 'resuming';
    const st = this.state;
    const known = st.me?.UUID === uuid;
    st.setMe(uuid, username);
    if (!known || st.outbox.length === 0) st.outbox = storage.loadOutbox(uuid);
    if (this.session) {
      this.session.username = username;
      storage.saveSession(this.session);
    }
    this.pendingAuth = null;
    this.phase = 'in';
    this.wasOnline = true;
    this.showChat();
    this.send('users');
    this.join(st.current);
    this.flush();
    if (fromForm) this.views.chat.composer.offerFocus();
  }

  /** @param {any} p */
  onJoined(p) {
    const key = p.recipientUUID ?? GENERAL;
    for (const u of p.users ?? []) if (u?.UUID) this.state.upsertUser(u, true);
    this.state.applyJoin(key, p.messages ?? [], p.recovered);
    if (key === this.state.current) {
      this.joined = key;
      this.flush();
    }
    this.saveOutbox();
  }

  /** @param {any} p */
  onError(p) {
    const code = Number(p.code) || 0;
    const text = String(p.message || p.error || '');
    const st = this.state;
    switch (p.request) {
      case 'signIn':
      case 'signUp':
        if (this.phase === 'resuming') {
          if (code === 401) {
            this.forget();
            this.showAuth('Your session has ended. Please sign in again.');
          } else {
            // The server could not check the key now: ask again shortly.
            setTimeout(() => {
              if (this.phase === 'resuming' && this.session && this.socket.state === 'open') {
                this.send('signIn', { accessKey: this.session.accessKey });
              }
            }, 2000);
          }
        } else {
          const a = this.pendingAuth;
          this.pendingAuth = null;
          this.phase = 'out';
          if (a?.action === 'resume' && code === 401) {
            // The last session has ended (signed out elsewhere, expired).
            storage.forgetLastSession(a.session.accessKey);
            this.refreshOffer();
            const name = a.session.username;
            this.views.auth.fail(0, `${name ? `${name}'s session` : 'That session'} has ended. Please sign in again.`);
          } else {
            this.views.auth.fail(code, authErrorText(code, text));
          }
        }
        return;
      case 'channelJoin':
        if (code === 404 && st.current !== GENERAL) this.open(GENERAL);
        else this.views.chat.toast(errorText(code, text));
        return;
      case 'channelMessage': {
        if (code === 429) return; // it is sent again by tick
        const o = st.outbox.find((x) => !x.error && x.sentEpoch === this.epoch);
        if (o) o.error = errorText(code, text).replace(/\.$/, '');
        this.saveOutbox();
        return;
      }
      case 'channelHistory':
        st.open.loadingOlder = false;
        if (code !== 429) this.views.chat.toast(errorText(code, text));
        return;
      case 'typing':
        return;
      default:
        if (code === 429) {
          // A request was dropped; the ones that matter are asked again.
          for (const log of st.channels.values()) log.loadingOlder = false;
          if (this.online && this.joined !== st.current) setTimeout(() => this.rejoinIfNeeded(), 1000);
          this.views.chat.toast(errorText(code, text));
        } else if (code === 401 && this.session && this.socket.state === 'open') {
          this.phase = 'resuming';
          this.send('signIn', { accessKey: this.session.accessKey });
        } else {
          this.views.chat.toast(errorText(code, text));
        }
    }
  }

  rejoinIfNeeded() {
    if (this.online && this.joined !== this.state.current) this.join(this.state.current);
  }

  // --- user actions ---

  /**
   * submitAuth: the form was submitted.
   * @param {AuthAction} action
   * @param {string} username
   * @param {string} password
   */
  submitAuth(action, username, password) {
    this.pendingAuth = { action, username, password };
    this.phase = 'authing';
    if (this.socket.state === 'open') this.sendAuth();
    else this.views.auth.setBusy(true, 'Connecting to the server…');
  }

  /** continueLast: the user chose to continue the offered last session. */
  continueLast() {
    if (!this.offer || this.phase !== 'out') return;
    this.pendingAuth = { action: 'resume', session: { ...this.offer } };
    this.phase = 'authing';
    if (this.socket.state === 'open') this.sendAuth();
    else this.views.auth.setBusy(true, 'Connecting to the server…');
  }

  /**
   * refreshOffer shows the browser's last session, as it is now, on the
   * form (another tab may have signed in or out meanwhile).
   */
  refreshOffer() {
    if (this.session || this.phase !== 'out') return;
    this.offer = storage.loadLastSession();
    this.views.auth.setOffer(this.offer);
  }

  sendAuth() {
    const a = this.pendingAuth;
    if (!a) return;
    if (a.action === 'resume') {
      a.sent = true;
      const name = a.session.username;
      this.views.auth.setBusy(true, name ? `Signing in as ${name}…` : 'Signing in…');
      this.send('signIn', { accessKey: a.session.accessKey });
      return;
    }
    // Sent before a drop, a signUp may have created the account: asking
    // again would answer "taken". signIn with the same password signs in
    // either way (it creates unknown names).
    if (a.sent) a.action = 'signIn';
    a.sent = true;
    const verb = a.action === 'signUp' ? 'Creating your account…' : 'Signing in…';
    this.views.auth.setBusy(true, verb);
    this.send(a.action, { username: a.username, password: a.password });
  }

  /**
   * open opens a channel.
   * @param {string} key GENERAL or a user's UUID
   */
  open(key) {
    if (key !== this.state.current || this.joined !== key) {
      this.join(key);
      this.render();
    }
    this.views.chat.composer.offerFocus();
  }

  /**
   * join makes key the open channel and joins it, asking for what came
   * after the last message seen when the channel was loaded before.
   * @param {string} key
   */
  join(key) {
    this.state.openChannel(key);
    this.joined = null;
    if (!this.online) return;
    /** @type {{recipientUUID: string, since?: number}} */
    const req = { recipientUUID: key };
    const since = this.state.sinceFor(key);
    if (since !== undefined) req.since = since;
    this.send('channelJoin', req);
  }

  /**
   * sendMessage: the user sent text in the open channel. It shows at once
   * and goes out now or after the reconnection.
   * @param {string} text
   * @returns {boolean} false when refused (the text stays in the box)
   */
  sendMessage(text) {
    if (!this.state.me) return false;
    if ([...text].length > MAX_MESSAGE_LENGTH) {
      this.views.chat.toast(`Messages can be at most ${MAX_MESSAGE_LENGTH} characters long.`);
      return false;
    }
    const o = this.state.addOutgoing(this.state.current, text, newClientID(), Date.now());
    this.views.chat.messages.stick = true;
    this.lastTyping = 0;
    this.transmit(o);
    this.saveOutbox();
    this.render();
    return true;
  }

  /**
   * transmit sends an outgoing message on this connection.
   * @param {Outgoing} o
   */
  transmit(o) {
    if (!this.online) return;
    if (this.send('channelMessage', { recipientUUID: o.channel, message: o.text, clientID: o.clientID })) {
      o.sentEpoch = this.epoch;
      o.sentAt = Date.now();
      o.tries++;
    }
  }

  /** flush sends every message not yet sent on this connection. */
  flush() {
    let any = false;
    for (const o of this.state.outbox) {
      if (!o.error && o.sentEpoch !== this.epoch) {
        this.transmit(o);
        any = true;
      }
    }
    if (any) this.saveOutbox();
  }

  typing() {
    const now = Date.now();
    if (!this.online || now - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = now;
    this.send('typing', { recipientUUID: this.state.current });
  }

  loadOlder() {
    const log = this.state.open;
    if (!this.online || !log.loaded || !log.hasMore || log.loadingOlder) return;
    log.loadingOlder = true;
    this.send('channelHistory', { recipientUUID: log.key, before: log.first, limit: HISTORY_PAGE });
    this.render();
  }

  /** @param {string} clientID */
  retry(clientID) {
    const o = this.state.outbox.find((x) => x.clientID === clientID);
    if (!o) return;
    delete o.error;
    o.tries = 0;
    o.sentEpoch = 0;
    this.transmit(o);
    this.saveOutbox();
    this.render();
  }

  /** @param {string} clientID */
  discard(clientID) {
    this.state.outbox = this.state.outbox.filter((x) => x.clientID !== clientID);
    this.saveOutbox();
    this.render();
  }

  signOut() {
    if (this.phase === 'in') this.send('signOut');
    this.forget();
    this.showAuth('');
  }

  retryConnection() {
    this.socket.retryNow();
  }

  // --- internals ---

  /**
   * forget drops the tab's session (and the browser's last session when it
   * is the same key) and everything of its user.
   */
  forget() {
    if (this.state.me) storage.saveOutbox(this.state.me.UUID, []);
    if (this.session) storage.forgetSession(this.session.accessKey);
    this.session = null;
    this.state.reset();
    this.phase = 'out';
    this.joined = null;
  }

  /**
   * tick runs every second: sends again what the server has not confirmed
   * in time (a frame dropped under load, an answer lost in a reconnection),
   * and redraws what depends on the clock.
   */
  tick() {
    const now = Date.now();
    const st = this.state;
    if (this.online && this.joined === st.current) {
      for (const o of st.outbox) {
        if (o.error || o.channel !== st.current || o.sentEpoch !== this.epoch || now - o.sentAt < RESEND_MS) continue;
        if (o.tries >= MAX_TRIES) o.error = 'the server did not confirm it';
        else this.transmit(o);
        this.saveOutbox();
      }
    }
    if (this.socket.state !== 'open' || st.typing.size > 0 || st.outbox.length > 0) this.render();
  }

  saveOutbox() {
    if (this.state.me) storage.saveOutbox(this.state.me.UUID, this.state.outbox);
  }

  /** @param {string} message */
  showAuth(message) {
    this.views.chat.setVisible(false);
    this.refreshOffer();
    this.views.auth.open(message);
    this.render();
  }

  showChat() {
    this.views.auth.close();
    this.views.chat.setVisible(true);
  }

  /** banner is the connection banner's text, '' when all is well. */
  banner() {
    const s = this.socket.state;
    const chat = this.session !== null;
    if (s === 'down') {
      const secs = Math.ceil((this.socket.retryAt - Date.now()) / 1000);
      const when = secs >= 1 ? ` in ${secs} s` : '';
      return chat && this.wasOnline ? `Connection lost. Reconnecting${when}…` : `Cannot reach the server. Retrying${when}…`;
    }
    if (chat && this.phase !== 'in') return this.wasOnline ? 'Reconnecting…' : 'Connecting…';
    return '';
  }

  /** render redraws once after the current task. */
  render() {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.views.chat.setBanner(this.banner(), this.socket.state === 'down');
      if (this.session) this.views.chat.render(this.state, { online: this.online });
    });
  }
}
