// @ts-check
// The app with a fake socket and fake views, for the app's tests: frames in
// as the server sends them, requests out as the app sends them, what the
// views were told to show. Storage is test/memory-storage.js.
import assert from 'node:assert/strict';
import { ChatApp } from '../js/app.js';
import { stored } from './memory-storage.js';

export const ME = 'aaaaaaaa-0000-4000-8000-000000000001';
export const BOB = 'bbbbbbbb-0000-4000-8000-000000000002';

export class FakeSocket {
  constructor() {
    this.state = 'connecting';
    this.retryAt = 0;
    /** @type {{type: string, payload: any}[]} */
    this.sent = [];
  }
  /** @param {string} d */
  send(d) {
    if (this.state !== 'open') return false;
    const f = JSON.parse(d);
    this.sent.push({ type: f.type, payload: f[f.type] });
    return true;
  }
  retryNow() {}
  /**
   * take returns the payloads of the requests of a type sent so far, and
   * forgets them.
   * @param {string} type
   */
  take(type) {
    const out = this.sent.filter((f) => f.type === type);
    this.sent = this.sent.filter((f) => f.type !== type);
    return out.map((f) => f.payload);
  }
}

export function fakeViews() {
  const noop = () => {};
  /** @type {string[]} */
  const toasts = [];
  /** @type {string[]} */
  const authErrors = [];
  /** what the views show: the screen, the form's message, name and offer to continue, the text put back in the composer */
  const shown = { screen: 'none', message: '', username: '', offer: /** @type {string | null} */ (null), composer: '' };
  const views = {
    auth: {
      open: (/** @type {string} */ message = '', /** @type {string} */ username = '') => {
        Object.assign(shown, { screen: 'form', message, username });
      },
      close: noop, setBusy: noop,
      fail: (/** @type {number} */ _c, /** @type {string} */ t) => authErrors.push(t),
      setOffer: (/** @type {{username?: string} | null} */ s) => { shown.offer = s ? s.username ?? '' : null; },
    },
    chat: {
      setVisible: (/** @type {boolean} */ v) => { if (v) shown.screen = 'chat'; }, setBanner: noop, render: noop,
      toast: (/** @type {string} */ t) => toasts.push(t),
      messages: { stick: false },
      composer: { focus: noop, offerFocus: noop, putBack: (/** @type {string} */ t) => { shown.composer = t; } },
    },
  };
  return { views: /** @type {any} */ (views), toasts, authErrors, shown };
}

/**
 * receive hands the app a frame from the server.
 * @param {ChatApp} app
 * @param {string} type
 * @param {any} payload
 */
export function receive(app, type, payload) {
  app.onMessage(JSON.stringify({ type, [type]: payload }));
}

/**
 * msg makes a stored message.
 * @param {number} offset @param {string} from @param {string} to @param {string} [clientID]
 */
export function msg(offset, from, to, clientID) {
  return {
    Offset: offset, UUID: 'u' + offset, SenderUUID: from, Sender: { UUID: from, Username: from === ME ? 'Me' : 'Bob', OnLine: true },
    RecipientUUID: to, Message: 'm' + offset, CreatedAt: '2025-01-01T00:00:00Z', ClientID: clientID,
  };
}

/**
 * signIn runs a form sign-in to the point of the first join.
 * @param {{dataEpoch?: string}} [opts] the data epoch the server's ready frame names
 */
export function signIn(opts = {}) {
  const socket = new FakeSocket();
  const { views, toasts, authErrors, shown } = fakeViews();
  const app = new ChatApp(/** @type {any} */ (socket), views);
  app.submitAuth('signUp', 'Me', 'pw');
  socket.state = 'open';
  app.onOpen();
  if (opts.dataEpoch) receive(app, 'ready', { sessionUUID: 's1', dataEpoch: opts.dataEpoch });
  assert.deepEqual(socket.take('signUp'), [{ username: 'Me', password: 'pw' }], 'the form waits for the socket');
  receive(app, 'authorized', { userUUID: ME, accessKey: 'key-1' });
  receive(app, 'sys', { type: 'signIn', signIn: { uuid: ME, username: 'Me' } });
  assert.equal(socket.take('users').length, 1);
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '' }]);
  return { app, socket, toasts, authErrors, shown };
}

/**
 * load is a page load in the current tab: the app starts (without its
 * clock) and the socket opens.
 */
export function load() {
  const socket = new FakeSocket();
  const { views, authErrors, shown } = fakeViews();
  const app = new ChatApp(/** @type {any} */ (socket), views);
  const setInterval = globalThis.setInterval;
  globalThis.setInterval = /** @type {any} */ (() => 0);
  try {
    app.start();
  } finally {
    globalThis.setInterval = setInterval;
  }
  socket.state = 'open';
  app.onOpen();
  return { app, socket, authErrors, shown };
}

/**
 * signedIn answers a sign-in as the server does.
 * @param {ChatApp} app
 * @param {string} uuid
 * @param {string} username
 * @param {string} accessKey
 */
export function signedIn(app, uuid, username, accessKey) {
  receive(app, 'authorized', { userUUID: uuid, accessKey });
  receive(app, 'sys', { type: 'signIn', signIn: { uuid, username } });
}

/**
 * drop closes the connection with a code.
 * @param {ChatApp} app
 * @param {FakeSocket} socket
 * @param {number} code
 */
export function drop(app, socket, code) {
  socket.state = 'down';
  app.onDown({ code });
}

/**
 * reconnect opens a new connection, whose ready frame names dataEpoch (none
 * for an older server), and checks that the app resumes with its key.
 * @param {ChatApp} app
 * @param {FakeSocket} socket
 * @param {string} [dataEpoch]
 */
export function reconnect(app, socket, dataEpoch) {
  socket.state = 'open';
  app.onOpen();
  receive(app, 'ready', dataEpoch ? { sessionUUID: 's2', dataEpoch } : { sessionUUID: 's2' });
  assert.deepEqual(socket.take('signIn'), [{ accessKey: 'key-1' }], 'the resume');
}

export const tabSession = () => stored('sessionStorage', 'chat.session');
export const lastSession = () => stored('localStorage', 'chat.lastSession');
