// @ts-check
// The app's session handling with a fake socket and views: resume, rejoin
// with since, the offline outbox sent once per connection with a stable
// clientID, private channels, errors of the form.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ChatApp } from '../js/app.js';
import { browser } from './memory-storage.js';
import { BOB, FakeSocket, ME, fakeViews, lastSession, msg, receive, signIn, tabSession } from './harness.js';

beforeEach(() => {
  browser();
});

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
  assert.equal(app.state.reads.count(BOB), 1);
  app.open(BOB);
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: BOB }]);
  assert.equal(app.state.reads.count(BOB), 1, 'unread until seen');
  app.seen(BOB, 1);
  assert.equal(app.state.reads.count(BOB), 0);
  assert.deepEqual(socket.take('channelRead'), [{ recipientUUID: BOB, offset: 1 }]);
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
  assert.match(authErrors[1], /wrong username or password/i);
  assert.equal(app.session, null);
});

/** a form with an open socket */
function form() {
  const socket = new FakeSocket();
  const { views, authErrors } = fakeViews();
  const app = new ChatApp(/** @type {any} */ (socket), views);
  socket.state = 'open';
  app.onOpen();
  return { app, socket, authErrors };
}

test('Sign in never creates an account: it asks with create false, and a mistyped name gets a clear error', () => {
  const { app, socket, authErrors } = form();
  app.submitAuth('signIn', 'Alcie', 'alice-password');
  assert.deepEqual(socket.take('signIn'), [{ username: 'Alcie', password: 'alice-password', create: false }]);
  receive(app, 'error', { code: 401, error: 'wrong username or password', message: 'wrong username or password', request: 'signIn' });
  assert.deepEqual(authErrors, ['Wrong username or password. Check both, or choose Create account if you are new here.']);
  assert.equal(app.session, null);
  assert.equal(app.phase, 'out');
  app.submitAuth('signUp', 'Alcie', 'alice-password');
  assert.deepEqual(socket.take('signUp'), [{ username: 'Alcie', password: 'alice-password' }], 'Create account creates');
});

test('a 429 on the form says to wait, and the form can be sent again', () => {
  const { app, socket, authErrors } = form();
  for (const action of /** @type {const} */ (['signIn', 'signUp'])) {
    app.submitAuth(action, 'Me', 'pw');
    assert.equal(socket.take(action).length, 1);
    receive(app, 'error', { code: 429, error: 'too many requests: slow down', message: 'too many requests: slow down', request: action });
    assert.equal(authErrors.at(-1), 'Too many attempts. Wait a moment, then try again.');
    assert.equal(app.phase, 'out', 'not stuck waiting');
  }
  assert.equal(app.session, null);
});

test('a sign-up cut off by a drop is sent again; a 409 then signs in with the same password, creating nothing', () => {
  const { app, socket } = form();
  app.submitAuth('signUp', 'Eve', 'pw');
  assert.equal(socket.take('signUp').length, 1);
  socket.state = 'down';
  app.onDown({ code: 1006 });
  socket.state = 'open';
  app.onOpen();
  assert.deepEqual(socket.take('signUp'), [{ username: 'Eve', password: 'pw' }]);
  receive(app, 'error', { code: 409, error: 'username already taken', message: 'username already taken', request: 'signUp' });
  assert.deepEqual(socket.take('signIn'), [{ username: 'Eve', password: 'pw', create: false }], 'the first one may have created it');
  receive(app, 'authorized', { userUUID: ME, accessKey: 'key-e' });
  receive(app, 'sys', { type: 'signIn', signIn: { uuid: ME, username: 'Eve' } });
  assert.equal(app.phase, 'in');
  assert.equal(app.session?.accessKey, 'key-e');
});

test('a resent sign-up whose name someone else has shows the name taken', () => {
  const { app, socket, authErrors } = form();
  app.submitAuth('signUp', 'Eve', 'pw');
  socket.state = 'down';
  app.onDown({ code: 1006 });
  socket.state = 'open';
  app.onOpen();
  assert.equal(socket.take('signUp').length, 2);
  receive(app, 'error', { code: 409, error: 'username already taken', message: 'username already taken', request: 'signUp' });
  assert.equal(socket.take('signIn').length, 1);
  receive(app, 'error', { code: 401, error: 'wrong username or password', message: 'wrong username or password', request: 'signIn' });
  assert.match(authErrors.at(-1) ?? '', /taken/);
  assert.equal(app.phase, 'out');
});

test('a sign-up not resent that gets 409 shows the name taken at once', () => {
  const { app, socket, authErrors } = form();
  app.submitAuth('signUp', 'Eve', 'pw');
  assert.equal(socket.take('signUp').length, 1);
  receive(app, 'error', { code: 409, error: 'username already taken', message: 'username already taken', request: 'signUp' });
  assert.deepEqual(socket.take('signIn'), [], 'no sign-in tried');
  assert.match(authErrors.at(-1) ?? '', /taken/);
});

test('a presence batch updates every user it names', () => {
  const { app } = signIn();
  receive(app, 'sys', { type: 'presence', presence: { UUID: BOB, Username: 'Bob', OnLine: true } });
  receive(app, 'sys', {
    type: 'presenceBatch',
    presenceBatch: [
      { UUID: BOB, Username: 'Bob', OnLine: false },
      { UUID: 'u-carol', Username: 'Carol', OnLine: true },
    ],
  });
  assert.equal(app.state.users.get(BOB)?.OnLine, false);
  assert.equal(app.state.users.get('u-carol')?.OnLine, true);
});

test('gathered joins and leaves make their users known', () => {
  const { app } = signIn();
  receive(app, 'sys', {
    type: 'channelMembers',
    channelMembers: { recipientUUID: '', joined: [{ UUID: 'u-dan', Username: 'Dan', OnLine: true }], left: [{ UUID: 'u-eve', Username: 'Eve', OnLine: true }] },
  });
  assert.equal(app.state.users.get('u-dan')?.Username, 'Dan');
  assert.equal(app.state.users.get('u-eve')?.Username, 'Eve');
});
