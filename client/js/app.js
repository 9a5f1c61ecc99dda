// @ts-check
// The app: turns frames from the socket into state changes, and the user's
// actions into requests. It holds the connection (its number, whether it is
// signed in), dispatches each frame to the part it concerns, and redraws.
// The parts:
//   session.js  sign-in, resume on every (re)connection, "Continue as …", sign-out
//   sync.js     the open channel: join (with since), history pages, live messages
//   outbox.js   unsent messages, each sent once per connection by clientID
//   typing.js   typing signals, ours out and others' in
//   reads.js    unread counts from the server, read positions sent as messages are seen
//   errors.js   error frames, routed to the part they concern
//   notify.js   desktop notifications while the tab is hidden (opt-in)

import { bannerText } from './banner.js';
import { routeError } from './errors.js';
import { limitOf } from './limit.js';
import { MAX_MESSAGE_LENGTH, decodeFrame, encodeFrame } from './protocol.js';
import { newsOf } from './notify.js';
import { Outbox } from './outbox.js';
import { ReadSync } from './reads.js';
import { SessionFlow } from './session.js';
import { ChatState } from './state.js';
import { ChannelSync } from './sync.js';
import { TypingSignal } from './typing.js';
import { applyUserPush } from './userpush.js';

/** @typedef {import('./views/auth.js').AuthAction} AuthAction */

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
 * @property {import('./notify.js').DesktopNotifier} [notify] desktop
 *   notifications, where the page has them
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
    /** the number of the current connection */
    this.epoch = 0;
    this.queued = false;
    /** the close code of the last drop, 0 while connected */
    this.closeCode = 0;
    /** the longest message the server stores, in characters (code points) */
    this.maxMessageLength = MAX_MESSAGE_LENGTH;
    this.auth = new SessionFlow(this);
    this.sync = new ChannelSync(this);
    this.outbox = new Outbox(this);
    this.typingSignal = new TypingSignal(this);
    this.reads = new ReadSync(this);
  }

  /** start shows the first screen. */
  start() {
    this.auth.start();
    setInterval(() => this.tick(), 1000);
    this.render();
  }

  /** the tab's own session */
  get session() {
    return this.auth.session;
  }

  /** where the sign-in stands: see SessionFlow.phase */
  get phase() {
    return this.auth.phase;
  }

  /** online: signed in on an open socket, so requests go out now. */
  get online() {
    return this.auth.phase === 'in' && this.socket.state === 'open';
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
    this.closeCode = 0;
    this.sync.joined = null;
    this.auth.onOpen();
    this.render();
  }

  /** @param {{code: number}} info */
  onDown(info) {
    this.closeCode = info.code;
    this.auth.onDown();
    this.sync.onDown();
    this.render();
  }

  /** @param {string} data */
  onMessage(data) {
    const f = decodeFrame(data);
    if (!f) return;
    const p = f.payload;
    const st = this.state;
    switch (f.type) {
      case 'ready':
        this.maxMessageLength = limitOf(p);
        this.auth.onReady(p);
        break;
      case 'authorized':
        this.auth.onAuthorized(p);
        break;
      case 'sys':
        this.onSys(p);
        break;
      case 'users':
        st.setUsers(p.users ?? [], p.total ?? 0);
        break;
      case 'channelJoin':
        this.sync.onJoined(p);
        break;
      case 'channelHistory':
        this.sync.onHistory(p);
        break;
      case 'channelMessage': {
        const r = this.sync.onLive(p);
        if (r.added) this.tellOf(r.key, p);
        break;
      }
      case 'notify':
        st.applyNotify(p.recipientUUID ?? '', p.message);
        if (p.message) this.tellOf(p.recipientUUID ?? '', p.message);
        break;
      case 'channels':
        this.reads.onChannels(p);
        break;
      case 'channelRead':
        this.reads.onRead(p);
        break;
      case 'typing':
        this.typingSignal.onTyping(p);
        break;
      case 'error':
        routeError(this, p);
        break;
      default: // signOut, channelLeave: nothing to do
    }
    this.render();
  }

  /** tellOf: a new message, maybe worth a desktop notification. @param {string} key @param {import('./protocol.js').Message} m */
  tellOf(key, m) {
    this.views.notify?.message(newsOf(key, m, this.state), (channel) => this.open(channel));
  }

  /** @param {any} p */
  onSys(p) {
    if (p.type === 'signIn') this.auth.onSignedIn(p.signIn?.uuid ?? '', p.signIn?.username ?? '');
    else applyUserPush(this.state, p);
  }

  // --- user actions (see main.js) ---

  /** submitAuth: the form was submitted. @param {AuthAction} action @param {string} username @param {string} password */
  submitAuth(action, username, password) {
    this.auth.submit(action, username, password);
  }

  /** continueLast: the user chose to continue the offered last session. */
  continueLast() {
    this.auth.continueLast();
  }

  /** refreshOffer: another tab may have signed in or out. */
  refreshOffer() {
    this.auth.refreshOffer();
  }

  signOut() {
    this.auth.signOut();
  }

  /** open opens a channel. @param {string} key GENERAL or a user's UUID */
  open(key) {
    this.sync.open(key);
  }

  loadOlder() {
    this.sync.loadOlder();
  }

  /**
   * seen: the person sees the open channel's messages up to offset (the
   * view tells, while the tab is visible and focused).
   * @param {string} key @param {number} offset
   */
  seen(key, offset) {
    if (key === this.state.current && this.reads.saw(key, offset)) this.render();
  }

  /** looking: the tab became visible and focused (what came meanwhile gets the divider), or not. @param {boolean} on */
  looking(on) {
    if (on) this.state.reads.returned();
    else this.state.reads.away();
    this.render();
  }

  /**
   * sendMessage: the user sent text in the open channel.
   * @param {string} text
   * @returns {boolean} false when refused (the text stays in the box)
   */
  sendMessage(text) {
    if (!this.outbox.add(text)) return false;
    this.typingSignal.reset();
    return true;
  }

  /** @param {string} clientID */
  retry(clientID) {
    this.outbox.retry(clientID);
  }

  /** @param {string} clientID */
  discard(clientID) {
    this.outbox.discard(clientID);
  }

  /** edit: Edit on a message the server refused puts its text back in the composer. @param {string} clientID */
  edit(clientID) {
    const text = this.outbox.edit(clientID);
    if (text !== null) this.views.chat.composer.putBack(text);
  }

  typing() {
    this.typingSignal.typed();
  }

  retryConnection() {
    this.socket.retryNow();
  }

  // --- the clock and the screen ---

  /**
   * tick runs every second: sends again what the server has not confirmed
   * in time, and redraws what depends on the clock.
   */
  tick() {
    const st = this.state;
    this.outbox.resend();
    if (this.socket.state !== 'open' || st.typing.size > 0 || st.outbox.length > 0) this.render();
  }

  /** banner is the connection banner's text, '' when all is well. */
  banner() {
    return bannerText({
      socket: this.socket.state, retryAt: this.socket.retryAt, closeCode: this.closeCode,
      chat: this.auth.session !== null, signedIn: this.auth.phase === 'in', wasOnline: this.auth.wasOnline,
    }, Date.now());
  }

  /** render redraws once after the current task. */
  render() {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.views.chat.setBanner(this.banner(), this.socket.state === 'down');
      const conn = { online: this.online, maxMessageLength: this.maxMessageLength, notify: this.views.notify };
      if (this.auth.session) this.views.chat.render(this.state, conn);
    });
  }
}
