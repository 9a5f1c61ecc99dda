// @ts-check
// The tab's session: sign-in and sign-up from the form, the resume of the
// tab's own session on every (re)connection, "Continue as …" with the
// browser's last session, and sign-out. It decides which screen shows: the
// form or the chat.
//
// Sessions are per tab (see storage.js): a tab resumes its own session; a
// tab without one offers the browser's last session ("Continue as …"),
// which it adopts when chosen.
//
// The server's ready frame names its data epoch, kept with the session. A
// reconnection that shows another one, followed by a 401 for the key, means
// the server lost its data (Redis restarted without saving): the person is
// told so, the cached channels go, and unsent messages are kept.

import { authRequest, retryAsSignIn, shownCode } from './authrequest.js';
import { RETRY_BACKOFF, backoffDelay } from './backoff.js';
import { authErrorText, dataLostText } from './protocol.js';
import * as storage from './storage.js';

/** @typedef {import('./app.js').ChatApp} ChatApp */
/** @typedef {import('./views/auth.js').AuthAction} AuthAction */
/** @typedef {import('./storage.js').Session} Session */
/** @typedef {import('./authrequest.js').PendingAuth} PendingAuth */

export class SessionFlow {
  /** @param {ChatApp} app */
  constructor(app) {
    this.app = app;
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
    /** signed in once since the page loaded: a drop is a reconnection */
    this.wasOnline = false;
    /** the data epoch of this connection's ready frame, '' before it or from older servers */
    this.dataEpoch = '';
    /** resumes answered with something other than 401 in a row */
    this.resumeRetries = 0;
  }

  /** start shows the first screen: the chat when the tab has a session. */
  start() {
    if (this.session) {
      this.app.state.setMe(this.session.userUUID, this.session.username ?? '');
      this.app.state.current = storage.loadOpenChannel(this.session.userUUID); // a reload comes back to it
      this.app.outbox.load(this.session.userUUID);
      this.showChat();
    } else {
      this.showAuth('');
    }
  }

  // --- the connection ---

  /** onOpen: a new connection resumes the session or sends the form's request. */
  onOpen() {
    this.dataEpoch = '';
    if (this.session) this.resume();
    else if (this.pendingAuth) this.sendAuth();
  }

  onDown() {
    if (this.phase === 'in' || this.phase === 'resuming') this.phase = this.session ? 'resuming' : 'out';
    if (this.phase === 'authing') this.app.views.auth.setBusy(true, 'Connection lost. Retrying…');
  }

  /** resume signs this connection in with the tab's access key. */
  resume() {
    if (!this.session) return;
    this.phase = 'resuming';
    this.app.send('signIn', { accessKey: this.session.accessKey });
  }

  // --- the server's answers ---

  /**
   * onReady: the connection's first frame. Another data epoch than the
   * session's means the messages held are of data the server lost.
   * @param {any} p the ready payload: sessionUUID, dataEpoch
   */
  onReady(p) {
    this.dataEpoch = typeof p.dataEpoch === 'string' ? p.dataEpoch : '';
    if (this.dataReset(this.session)) {
      this.app.state.dropChannels();
      this.app.sync.joined = null;
    }
  }

  /**
   * dataReset: this connection's server has other data than the one that
   * issued the session's key.
   * @param {Session | null | undefined} s
   */
  dataReset(s) {
    return !!s?.dataEpoch && !!this.dataEpoch && s.dataEpoch !== this.dataEpoch;
  }

  /** @param {any} p the authorized payload: the access key */
  onAuthorized(p) {
    const a = this.pendingAuth;
    const username = a ? (a.action === 'resume' ? a.session.username : a.username) : this.session?.username;
    this.session = { accessKey: p.accessKey, userUUID: p.userUUID, username };
    if (this.dataEpoch) this.session.dataEpoch = this.dataEpoch;
    // A sign-in from this tab's form (or a continued session) becomes
    // the browser's last session; a resume of the tab's own does not.
    storage.saveSession(this.session, { last: this.phase === 'authing' });
  }

  /**
   * onSignedIn: the connection acts as this user now.
   * @param {string} uuid
   * @param {string} username
   */
  onSignedIn(uuid, username) {
    const fromForm = this.phase !== 'resuming';
    const app = this.app;
    const st = app.state;
    const known = st.me?.UUID === uuid;
    st.setMe(uuid, username);
    if (!known || st.outbox.length === 0) app.outbox.load(uuid);
    if (this.session) {
      this.session.username = username;
      storage.saveSession(this.session);
    }
    this.pendingAuth = null;
    this.phase = 'in';
    this.wasOnline = true;
    this.resumeRetries = 0;
    app.outbox.adoptLost();
    this.showChat();
    app.send('users');
    app.reads.request(); // answered before the join: the divider knows the read position
    app.sync.join(st.current);
    app.outbox.flush();
    if (fromForm) app.views.chat.composer.offerFocus();
  }

  /**
   * onAuthError: a signIn or signUp failed.
   * @param {number} code
   * @param {string} text
   */
  onAuthError(code, text) {
    if (this.phase === 'resuming') {
      if (code === 401 && this.dataReset(this.session)) {
        this.dataLost();
      } else if (code === 401) {
        this.forget();
        this.showAuth('Your session has ended. Please sign in again.');
      } else {
        // The server could not check the key now (503, 429, 500): ask
        // again, more slowly each time.
        setTimeout(() => {
          if (this.phase === 'resuming' && this.session && this.app.socket.state === 'open') this.resume();
        }, backoffDelay(this.resumeRetries++, RETRY_BACKOFF));
      }
      return;
    }
    const a = this.pendingAuth;
    if (retryAsSignIn(a, code)) {
      this.sendAuth(); // our own signUp, before the drop, may have made it
      return;
    }
    this.pendingAuth = null;
    this.phase = 'out';
    if (a?.action === 'resume' && code === 401) {
      // The last session has ended (signed out elsewhere, expired).
      storage.forgetLastSession(a.session.accessKey);
      this.refreshOffer();
      const name = a.session.username;
      this.app.views.auth.fail(0, this.dataReset(a.session) ? dataLostText(0)
        : `${name ? `${name}'s session` : 'That session'} has ended. Please sign in again.`);
    } else {
      this.app.views.auth.fail(shownCode(a, code), authErrorText(shownCode(a, code), text));
    }
  }

  // --- user actions ---

  /**
   * submit: the form was submitted.
   * @param {AuthAction} action
   * @param {string} username
   * @param {string} password
   */
  submit(action, username, password) {
    this.pendingAuth = { action, username, password };
    this.phase = 'authing';
    if (this.app.socket.state === 'open') this.sendAuth();
    else this.app.views.auth.setBusy(true, 'Connecting to the server…');
  }

  /** continueLast: the user chose to continue the offered last session. */
  continueLast() {
    if (!this.offer || this.phase !== 'out') return;
    this.pendingAuth = { action: 'resume', session: { ...this.offer } };
    this.phase = 'authing';
    if (this.app.socket.state === 'open') this.sendAuth();
    else this.app.views.auth.setBusy(true, 'Connecting to the server…');
  }

  /**
   * refreshOffer shows the browser's last session, as it is now, on the
   * form (another tab may have signed in or out meanwhile).
   */
  refreshOffer() {
    if (this.session || this.phase !== 'out') return;
    this.offer = storage.loadLastSession();
    this.app.views.auth.setOffer(this.offer);
  }

  sendAuth() {
    const a = this.pendingAuth;
    if (!a) return;
    const name = a.action === 'resume' ? a.session.username : '';
    const verb = a.action === 'signUp' ? 'Creating your account…' : name ? `Signing in as ${name}…` : 'Signing in…';
    this.app.views.auth.setBusy(true, verb);
    // Sign in asks with create: false, and a signUp cut off by a drop
    // goes again (authrequest.js).
    const { type, payload } = authRequest(a);
    this.app.send(type, payload);
  }

  signOut() {
    if (this.phase === 'in') this.app.send('signOut');
    this.forget();
    this.showAuth('');
  }

  // --- internals ---

  /**
   * dataLost: the server lost its data, the session's key and account with
   * it. The person is told in plain words and offered the form, with their
   * name filled in; the cached channels go; unsent messages stay, marked as
   * not sent, for the account they create next.
   */
  dataLost() {
    const name = this.session?.username ?? '';
    const kept = this.app.outbox.keepLost();
    this.forget();
    this.showAuth(dataLostText(kept), name);
  }

  /**
   * forget drops the tab's session (and the browser's last session when it
   * is the same key) and everything of its user.
   */
  forget() {
    this.app.outbox.forgetStored();
    if (this.session) storage.forgetSession(this.session.accessKey);
    this.session = null;
    this.app.state.reset();
    this.phase = 'out';
    this.app.sync.joined = null;
  }

  /**
   * @param {string} message
   * @param {string} [username] filled in for the person
   */
  showAuth(message, username) {
    this.app.views.chat.setVisible(false);
    this.refreshOffer();
    this.app.views.auth.open(message, username);
    this.app.render();
  }

  showChat() {
    this.app.views.auth.close();
    this.app.views.chat.setVisible(true);
  }
}
