// @ts-check
// The app's session handling with a fake socket and views: resume, rejoin
// with since, and the offline outbox sent once per connection with a stable
// clientID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatApp } from '../js/app.js';

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
  const views = {
    auth: { open: noop, close: noop, setBusy: noop, fail: (/** @type {number} */ _c, /** @type {string} */ t) => authErrors.push(t) },
    chat: {
      setVisible: noop, setBanner: noop, render: noop, toast: (/** @type {string} */ t) => toasts.push(t),
      messages: { stick: false }, composer: { focus: noop, offerFocus: noop },
    },
  };
  return { views: /** @type {any} */ (views), toasts, authErrors };
}

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
  const { views, toasts, authErrors } = fakeViews();
  const app = new ChatApp(/** @type {any} */ (socket), views);
  app.submitAuth('signUp', 'Me', 'pw');
  socket.state = 'open';
  app.onOpen();
  assert.deepEqual(socket.take('signUp'), [{ username: 'Me', password: 'pw' }], 'the form waits for the socket');
  receive(app, 'authorized', { userUUID: ME, accessKey: 'key-1' });
  receive(app, 'sys', { type: 'signIn', signIn: { uuid: ME, username: 'Me' } });
  assert.equal(socket.take('users').length, 1);
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '' }]);
  return { app, socket, toasts, authErrors };
}

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
