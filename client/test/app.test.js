// @ts-check
// The app's session handling with a fake socket and views: resume, rejoin
// with since, the offline outbox sent once per connection with a stable
// clientID, and sessions per tab (the last session offered to a new tab).
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ChatApp } from '../js/app.js';
import { browser, newTab, stored } from './memory-storage.js';

const ME = 'aaaaaaaa-0000-4000-8000-000000000001';
const BOB = 'bbbbbbbb-0000-4000-8000-000000000002';

class FakeSocket {
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
  /** @param {string} type */
  take(type) {
    const out = this.sent.filter((f) => f.type === type);
    this.sent = this.sent.filter((f) => f.type !== type);
    return out.map((f) => f.payload);
  }
}

function fakeViews() {
  const noop = () => {};
  /** @type {string[]} */
  const toasts = [];
  /** @type {string[]} */
  const authErrors = [];
  /** what the views show: the screen, and the form's offer to continue */
  const shown = { screen: 'none', offer: /** @type {string | null} */ (null) };
  const views = {
    auth: {
      open: () => { shown.screen = 'form'; }, close: noop, setBusy: noop,
      fail: (/** @type {number} */ _c, /** @type {string} */ t) => authErrors.push(t),
      setOffer: (/** @type {{username?: string} | null} */ s) => { shown.offer = s ? s.username ?? '' : null; },
    },
    chat: {
      setVisible: (/** @type {boolean} */ v) => { if (v) shown.screen = 'chat'; }, setBanner: noop, render: noop,
      toast: (/** @type {string} */ t) => toasts.push(t),
      messages: { stick: false }, composer: { focus: noop, offerFocus: noop },
    },
  };
  return { views: /** @type {any} */ (views), toasts, authErrors, shown };
}

/**
 * The storage of a fresh browser before each test, with its first tab:
 * tabA() goes back to that tab.
 * @type {() => void}
 */
let tabA;
beforeEach(() => {
  tabA = browser();
});

/**
 * @param {ChatApp} app
 * @param {string} type
 * @param {any} payload
 */
function receive(app, type, payload) {
  app.onMessage(JSON.stringify({ type, [type]: payload }));
}

/** @param {number} offset @param {string} from @param {string} to @param {string} [clientID] */
function msg(offset, from, to, clientID) {
  return {
    Offset: offset, UUID: 'u' + offset, SenderUUID: from, Sender: { UUID: from, Username: from === ME ? 'Me' : 'Bob', OnLine: true },
    RecipientUUID: to, Message: 'm' + offset, CreatedAt: '2025-01-01T00:00:00Z', ClientID: clientID,
  };
}

/** signIn runs a form sign-in to the point of the first join. */
function signIn() {
  const socket = new FakeSocket();
  const { views, toasts, authErrors, shown } = fakeViews();
  const app = new ChatApp(/** @type {any} */ (socket), views);
  app.submitAuth('signUp', 'Me', 'pw');
  socket.state = 'open';
  app.onOpen();
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
function load() {
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
function signedIn(app, uuid, username, accessKey) {
  receive(app, 'authorized', { userUUID: uuid, accessKey });
  receive(app, 'sys', { type: 'signIn', signIn: { uuid, username } });
}

const tabSession = () => stored('sessionStorage', 'chat.session');
const lastSession = () => stored('localStorage', 'chat.lastSession');

test('a reconnection resumes with the key and rejoins with since', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(1, BOB, ''), msg(2, BOB, '')], users: [] });
  socket.state = 'down';
  app.onDown({ code: 1012 });
  assert.equal(app.online, false);
  socket.state = 'open';
  app.onOpen();
  assert.deepEqual(socket.take('signIn'), [{ accessKey: 'key-1' }]);
  receive(app, 'authorized', { userUUID: ME, accessKey: 'key-1' });
  receive(app, 'sys', { type: 'signIn', signIn: { uuid: ME, username: 'Me' } });
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '', since: 2 }]);
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(3, BOB, '')], users: [], recovered: true });
  assert.deepEqual(app.state.open.messages.map((m) => m.Offset), [1, 2, 3]);
});

test('a message typed offline is sent once after the reconnection, with its clientID', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [] });
  socket.state = 'down';
  app.onDown({ code: 1006 });
  assert.equal(app.sendMessage('typed offline'), true);
  assert.equal(socket.take('channelMessage').length, 0, 'nothing goes out while down');
  assert.equal(app.state.pending('').length, 1);

  socket.state = 'open';
  app.onOpen();
  receive(app, 'authorized', { userUUID: ME, accessKey: 'key-1' });
  receive(app, 'sys', { type: 'signIn', signIn: { uuid: ME, username: 'Me' } });
  const sent = socket.take('channelMessage');
  assert.equal(sent.length, 1, 'sent once');
  assert.equal(sent[0].message, 'typed offline');
  const id = sent[0].clientID;
  // The join reply and the tick do not send it again while it is fresh.
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [], recovered: true });
  app.tick();
  assert.equal(socket.take('channelMessage').length, 0);
  // Unconfirmed for too long: sent again, with the same clientID.
  app.state.outbox[0].sentAt -= 10000;
  app.tick();
  assert.deepEqual(socket.take('channelMessage').map((p) => p.clientID), [id]);
  // The echo confirms it; the list shows it once.
  receive(app, 'channelMessage', msg(1, ME, '', id));
  receive(app, 'channelMessage', msg(1, ME, '', id));
  assert.equal(app.state.outbox.length, 0);
  assert.equal(app.state.open.messages.length, 1);
});

test('a message sent just before a drop is sent again on the next connection, same clientID', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [] });
  app.sendMessage('in flight');
  const [first] = socket.take('channelMessage');
  socket.state = 'down';
  app.onDown({ code: 1006 });
  socket.state = 'open';
  app.onOpen();
  receive(app, 'sys', { type: 'signIn', signIn: { uuid: ME, username: 'Me' } });
  const again = socket.take('channelMessage');
  assert.deepEqual(again.map((p) => p.clientID), [first.clientID]);
});

test('private channels: unread from notify, join by the other UUID', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [] });
  receive(app, 'notify', { recipientUUID: BOB, message: msg(1, BOB, ME) });
  assert.equal(app.state.channel(BOB).unread, 1);
  app.open(BOB);
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: BOB }]);
  assert.equal(app.state.channel(BOB).unread, 0);
  app.sendMessage('hi bob');
  assert.deepEqual(socket.take('channelMessage').map((p) => [p.recipientUUID, p.message]), [[BOB, 'hi bob']]);
});

test('an expired key sends the user back to the form', () => {
  const { app, socket } = signIn();
  socket.state = 'down';
  app.onDown({ code: 1012 });
  socket.state = 'open';
  app.onOpen();
  receive(app, 'error', { code: 401, error: 'unknown or expired access key', message: 'unknown or expired access key', request: 'signIn' });
  assert.equal(app.session, null);
  assert.equal(app.state.me, null);
  assert.equal(app.phase, 'out');
  assert.equal(tabSession(), null, 'the tab\'s session is forgotten');
  assert.equal(lastSession(), null, 'and the last session, the same key');
});

test('form errors reach the form', () => {
  const socket = new FakeSocket();
  const { views, authErrors } = fakeViews();
  const app = new ChatApp(/** @type {any} */ (socket), views);
  socket.state = 'open';
  app.onOpen();
  app.submitAuth('signUp', 'Bob', 'pw');
  receive(app, 'error', { code: 409, error: 'username already taken', message: 'username already taken', request: 'signUp' });
  app.submitAuth('signIn', 'Bob', 'bad');
  receive(app, 'error', { code: 401, error: 'wrong username or password', message: 'wrong username or password', request: 'signIn' });
  assert.equal(authErrors.length, 2);
  assert.match(authErrors[0], /taken/);
  assert.match(authErrors[1], /wrong password/i);
  assert.equal(app.session, null);
});

test('a sign-up cut off by a drop is retried as a sign-in', () => {
  const socket = new FakeSocket();
  const { views } = fakeViews();
  const app = new ChatApp(/** @type {any} */ (socket), views);
  socket.state = 'open';
  app.onOpen();
  app.submitAuth('signUp', 'Eve', 'pw');
  assert.equal(socket.take('signUp').length, 1);
  socket.state = 'down';
  app.onDown({ code: 1006 });
  socket.state = 'open';
  app.onOpen();
  assert.deepEqual(socket.take('signIn'), [{ username: 'Eve', password: 'pw' }]);
  assert.equal(socket.take('signUp').length, 0);
});

// --- sessions per tab ---

test('a sign-in is the tab\'s session and the browser\'s last session', () => {
  signIn();
  assert.deepEqual(tabSession(), { accessKey: 'key-1', userUUID: ME, username: 'Me' });
  assert.deepEqual(lastSession(), { accessKey: 'key-1', userUUID: ME, username: 'Me' });
});

test('a new tab offers the last session instead of resuming it, and adopts it when chosen', () => {
  signIn();
  newTab();
  const b = load();
  assert.equal(b.shown.screen, 'form');
  assert.equal(b.shown.offer, 'Me', 'Continue as Me');
  assert.equal(b.app.session, null);
  assert.equal(b.socket.sent.length, 0, 'nothing is sent before the user chooses');

  b.app.continueLast();
  assert.deepEqual(b.socket.take('signIn'), [{ accessKey: 'key-1' }]);
  signedIn(b.app, ME, 'Me', 'key-1');
  assert.equal(b.shown.screen, 'chat');
  assert.equal(b.app.online, true);
  assert.deepEqual(b.socket.take('channelJoin'), [{ recipientUUID: '' }]);
  assert.deepEqual(tabSession(), { accessKey: 'key-1', userUUID: ME, username: 'Me' }, 'adopted by the tab');

  // The tab's own now: a reload resumes it at once.
  const again = load();
  assert.equal(again.shown.screen, 'chat');
  assert.deepEqual(again.socket.take('signIn'), [{ accessKey: 'key-1' }]);
});

test('a continue cut off by a drop is asked again with the key', () => {
  signIn();
  newTab();
  const b = load();
  b.app.continueLast();
  assert.equal(b.socket.take('signIn').length, 1);
  b.socket.state = 'down';
  b.app.onDown({ code: 1006 });
  b.socket.state = 'open';
  b.app.onOpen();
  assert.deepEqual(b.socket.take('signIn'), [{ accessKey: 'key-1' }]);
  signedIn(b.app, ME, 'Me', 'key-1');
  assert.equal(b.app.online, true);
});

test('signing up someone else in a new tab: its own session, the new last one; each tab reloads as its own user', () => {
  signIn();
  const tabB = newTab();
  const b = load();
  assert.equal(b.shown.offer, 'Me');
  b.app.submitAuth('signUp', 'Bob', 'pw');
  assert.deepEqual(b.socket.take('signUp'), [{ username: 'Bob', password: 'pw' }]);
  signedIn(b.app, BOB, 'Bob', 'key-2');
  assert.equal(b.shown.screen, 'chat');
  assert.deepEqual(tabSession(), { accessKey: 'key-2', userUUID: BOB, username: 'Bob' });
  assert.deepEqual(lastSession(), { accessKey: 'key-2', userUUID: BOB, username: 'Bob' });

  tabA();
  const a = load();
  assert.equal(a.shown.screen, 'chat');
  assert.deepEqual(a.socket.take('signIn'), [{ accessKey: 'key-1' }], 'tab A resumes Me');
  signedIn(a.app, ME, 'Me', 'key-1');
  assert.equal(lastSession().accessKey, 'key-2', 'a resume does not take the last session over');

  tabB();
  assert.deepEqual(load().socket.take('signIn'), [{ accessKey: 'key-2' }], 'tab B resumes Bob');

  newTab();
  assert.equal(load().shown.offer, 'Bob', 'a third tab offers Bob');
});

test('a stale last session: a 401 forgets it, and the form stays for a normal sign-in', () => {
  signIn();
  newTab();
  const b = load();
  b.app.continueLast();
  b.socket.take('signIn');
  receive(b.app, 'error', { code: 401, error: 'unknown or expired access key', message: 'unknown or expired access key', request: 'signIn' });
  assert.equal(b.shown.screen, 'form');
  assert.equal(b.shown.offer, null, 'no more Continue as');
  assert.match(b.authErrors.at(-1) ?? '', /Me's session has ended/);
  assert.equal(b.app.session, null);
  assert.equal(b.app.phase, 'out');
  assert.equal(lastSession(), null);
  assert.equal(tabSession(), null);

  b.app.submitAuth('signIn', 'Me', 'pw');
  assert.deepEqual(b.socket.take('signIn'), [{ username: 'Me', password: 'pw' }]);
  signedIn(b.app, ME, 'Me', 'key-3');
  assert.equal(lastSession().accessKey, 'key-3');
  assert.equal(tabSession().accessKey, 'key-3');
});

test('a stale offer does not forget a newer last session saved meanwhile by another tab', () => {
  signIn();
  newTab();
  const b = load();
  b.app.continueLast();
  globalThis.localStorage.setItem('chat.lastSession', JSON.stringify({ accessKey: 'key-9', userUUID: BOB, username: 'Bob' }));
  receive(b.app, 'error', { code: 401, error: 'unknown or expired access key', message: 'unknown or expired access key', request: 'signIn' });
  assert.equal(lastSession().accessKey, 'key-9');
  assert.equal(b.shown.offer, 'Bob', 'the newer one is offered');
});

test('sign-out forgets the tab\'s session and the same last session', () => {
  const { app, socket, shown } = signIn();
  app.signOut();
  assert.equal(socket.take('signOut').length, 1);
  assert.equal(tabSession(), null);
  assert.equal(lastSession(), null);
  assert.equal(shown.screen, 'form');
  assert.equal(shown.offer, null);
  assert.equal(load().shown.screen, 'form', 'also after a reload');
});

test('sign-out in one tab leaves the other tab\'s session, which stays the last one', () => {
  const a = signIn();
  const tabB = newTab();
  const b = load();
  b.app.submitAuth('signIn', 'Bob', 'pw');
  signedIn(b.app, BOB, 'Bob', 'key-2');

  tabA();
  a.app.signOut();
  assert.equal(tabSession(), null);
  assert.equal(lastSession().accessKey, 'key-2');
  assert.equal(a.shown.offer, 'Bob', 'the form offers the other tab\'s session');

  tabB();
  assert.equal(tabSession().accessKey, 'key-2');
});

test('a message typed offline survives a reload of its tab and is sent once after the resume', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [] });
  socket.state = 'down';
  app.onDown({ code: 1006 });
  app.sendMessage('typed before the reload');
  assert.equal(stored('sessionStorage', 'chat.outbox.' + ME).length, 1);

  const again = load();
  assert.equal(again.app.state.outbox.length, 1);
  assert.deepEqual(again.socket.take('signIn'), [{ accessKey: 'key-1' }]);
  signedIn(again.app, ME, 'Me', 'key-1');
  const sent = again.socket.take('channelMessage');
  assert.deepEqual(sent.map((p) => p.message), ['typed before the reload']);
  assert.equal(sent[0].clientID, app.state.outbox[0].clientID, 'the same clientID');

  newTab();
  assert.equal(globalThis.sessionStorage.getItem('chat.outbox.' + ME), null, 'another tab has its own outbox');
});

test('the form\'s offer follows the other tabs (storage events)', () => {
  const a = signIn();
  newTab();
  const b = load();
  assert.equal(b.shown.offer, 'Me');
  tabA();
  a.app.signOut();
  b.app.refreshOffer();
  assert.equal(b.shown.offer, null, 'Me signed out: nothing to continue');
  globalThis.localStorage.setItem('chat.lastSession', JSON.stringify({ accessKey: 'key-2', userUUID: BOB, username: 'Bob' }));
  b.app.refreshOffer();
  assert.equal(b.shown.offer, 'Bob');
});
