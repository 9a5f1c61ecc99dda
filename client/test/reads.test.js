// @ts-check
// The app's side of read positions (reads.js): channels asked after every
// sign-in and resume, before the join; counts from it and live frames; the
// read position sent as the person sees messages, at most once a second per
// channel and never backwards; one lost in a drop sent again; the message
// limit of the ready frame.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ChatApp } from '../js/app.js';
import { READ_EVERY_MS } from '../js/reads.js';
import { browser } from './memory-storage.js';
import { BOB, FakeSocket, ME, drop, fakeViews, load, msg, receive, reconnect, signIn, signedIn } from './harness.js';

beforeEach(() => {
  browser();
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
});
afterEach(() => mock.timers.reset());

/** A signed-in app whose channels reply says General 10 (read 7) and Bob 4 (never read); General joined. */
function ready() {
  const s = signIn();
  assert.deepEqual(s.socket.take('channels'), [{}]);
  receive(s.app, 'channels', { channels: [
    { recipientUUID: '', lastOffset: 10, readOffset: 7, lastMessage: msg(10, BOB, '') },
    { recipientUUID: BOB, lastOffset: 4, readOffset: 0, lastMessage: msg(4, BOB, ME) },
  ] });
  const page = [5, 6, 7, 8, 9, 10].map((o) => msg(o, BOB, ''));
  receive(s.app, 'channelJoin', { recipientUUID: '', messages: page, users: [], epoch: 'e1', offset: 10 });
  return s;
}

test('channels is asked after the sign-in, before the join, so its reply comes first', () => {
  const socket = new FakeSocket();
  const app = new ChatApp(/** @type {any} */ (socket), fakeViews().views);
  app.submitAuth('signIn', 'Me', 'pw');
  socket.state = 'open';
  app.onOpen();
  signedIn(app, ME, 'Me', 'key-1');
  assert.deepEqual(socket.sent.map((f) => f.type), ['signIn', 'users', 'channels', 'channelJoin']);
  receive(app, 'channels', { channels: [{ recipientUUID: '', lastOffset: 3, readOffset: 1 }] });
  assert.equal(app.state.reads.count(''), 2);
});

test('counts from the channels reply: General included, the total, the other user listed', () => {
  const { app } = ready();
  assert.equal(app.state.reads.count(''), 3);
  assert.equal(app.state.reads.count(BOB), 4);
  assert.equal(app.state.unreadTotal(), 7);
  assert.equal(app.state.users.get(BOB)?.Username, 'Bob', 'the private channel shows though Bob was not listed');
  assert.equal(app.state.reads.dividerFor(''), 7, 'General opened with unread: the divider after 7');
});

test('live updates: a message elsewhere, notify, and a read on another device', () => {
  const { app, socket } = ready();
  receive(app, 'notify', { recipientUUID: BOB, message: msg(5, BOB, ME) });
  assert.equal(app.state.reads.count(BOB), 5);
  receive(app, 'channelRead', { recipientUUID: BOB, offset: 5 });
  assert.equal(app.state.reads.count(BOB), 0, 'read on the phone');
  receive(app, 'channelMessage', msg(11, BOB, ''));
  assert.equal(app.state.reads.count(''), 4, 'the open channel too, until seen');
  app.seen('', 11);
  assert.equal(app.state.reads.count(''), 0);
  assert.deepEqual(socket.take('channelRead'), [{ recipientUUID: '', offset: 11 }]);
  receive(app, 'channelRead', { recipientUUID: '', offset: 11 });
  receive(app, 'channelRead', { recipientUUID: '', offset: 4 });
  assert.equal(app.state.reads.count(''), 0, 'an older position changes nothing');
});

test('channelRead at most once a second per channel, with the highest seen, never backwards', () => {
  const { app, socket } = ready();
  app.seen('', 8);
  assert.deepEqual(socket.take('channelRead'), [{ recipientUUID: '', offset: 8 }], 'the first at once');
  app.seen('', 9);
  app.seen('', 10);
  app.seen('', 9);
  assert.deepEqual(socket.take('channelRead'), [], 'the next waits');
  assert.equal(app.state.reads.count(''), 0, 'the badge goes at once');
  mock.timers.tick(READ_EVERY_MS - 1);
  assert.deepEqual(socket.take('channelRead'), []);
  mock.timers.tick(1);
  assert.deepEqual(socket.take('channelRead'), [{ recipientUUID: '', offset: 10 }], 'one, with the highest');
  app.seen('', 6);
  app.seen('', 10);
  mock.timers.tick(5 * READ_EVERY_MS);
  assert.deepEqual(socket.take('channelRead'), [], 'nothing smaller, nothing again');
  // Another channel has its own turn.
  receive(app, 'notify', { recipientUUID: BOB, message: msg(5, BOB, ME) });
  app.open(BOB);
  app.seen(BOB, 5);
  assert.deepEqual(socket.take('channelRead'), [{ recipientUUID: BOB, offset: 5 }]);
});

test('a position the server has already (read on another device) is not sent', () => {
  const { app, socket } = ready();
  receive(app, 'channelRead', { recipientUUID: '', offset: 10 });
  app.seen('', 9);
  app.seen('', 10);
  mock.timers.tick(READ_EVERY_MS);
  assert.deepEqual(socket.take('channelRead'), []);
});

test('only the open channel is read', () => {
  const { app, socket } = ready();
  app.seen(BOB, 4);
  assert.deepEqual(socket.take('channelRead'), []);
  assert.equal(app.state.reads.count(BOB), 4);
});

test('after a reconnection: channels again, counts of what came meanwhile, a lost or offline read sent again', () => {
  const { app, socket } = ready();
  app.seen('', 10); // sent, but the connection drops before the server stores it
  assert.equal(socket.take('channelRead').length, 1);
  drop(app, socket, 1006);
  receive(app, 'notify', { recipientUUID: BOB, message: msg(9, BOB, ME) }); // (a late frame: no effect on sending)
  reconnect(app, socket, undefined);
  signedIn(app, ME, 'Me', 'key-1');
  assert.deepEqual(socket.take('channels'), [{}], 'asked again after the resume');
  receive(app, 'channels', { channels: [
    { recipientUUID: '', lastOffset: 12, readOffset: 7 },
    { recipientUUID: BOB, lastOffset: 6, readOffset: 0 },
  ] });
  assert.deepEqual(socket.take('channelRead'), [{ recipientUUID: '', offset: 10 }], 'the read the server lost');
  assert.equal(app.state.reads.count(''), 2, '11 and 12 came while away');
  assert.equal(app.state.reads.count(BOB), 9, 'up to the furthest offset known');
});

test('seen while offline is sent once signed in again', () => {
  const { app, socket } = ready();
  drop(app, socket, 1006);
  app.seen('', 10);
  assert.equal(app.state.reads.count(''), 0);
  reconnect(app, socket, undefined);
  signedIn(app, ME, 'Me', 'key-1');
  assert.deepEqual(socket.take('channelRead'), [], 'waits for the channels reply');
  receive(app, 'channels', { channels: [{ recipientUUID: '', lastOffset: 10, readOffset: 7 }] });
  assert.deepEqual(socket.take('channelRead'), [{ recipientUUID: '', offset: 10 }]);
});

test('the message limit comes from the ready frame; the default without one', () => {
  const { app, socket, toasts } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [], epoch: 'e1', offset: 0 });
  assert.equal(app.maxMessageLength, 4096);
  receive(app, 'ready', { sessionUUID: 's', maxMessageLength: 2000 });
  assert.equal(app.maxMessageLength, 2000);
  assert.equal(app.sendMessage('x'.repeat(2001)), false);
  assert.match(toasts.at(-1) ?? '', /2001 characters and the limit is 2000/);
  assert.equal(app.sendMessage('x'.repeat(2000)), true);
  assert.equal(socket.take('channelMessage').length, 1);
  receive(app, 'ready', { sessionUUID: 's' });
  assert.equal(app.maxMessageLength, 4096, 'a server that names none: the default');
  receive(app, 'ready', { sessionUUID: 's', maxMessageLength: -3 });
  assert.equal(app.maxMessageLength, 4096);
});

test('sign-out and a data reset forget the read positions', () => {
  const { app } = ready();
  app.signOut();
  assert.equal(app.state.unreadTotal(), 0);
  assert.equal(app.state.reads.known, false);
});

test('a reload comes back to the open channel, its divider after the read position', () => {
  const { app, socket } = ready();
  app.open(BOB);
  receive(app, 'channelJoin', { recipientUUID: BOB, messages: [1, 2, 3, 4].map((o) => msg(o, BOB, ME)), users: [], epoch: 'p1', offset: 4 });
  app.seen(BOB, 4);
  assert.deepEqual(socket.take('channelRead'), [{ recipientUUID: BOB, offset: 4 }]);

  const page = load(); // the tab is reloaded; Bob writes twice meanwhile
  assert.equal(page.app.state.current, BOB);
  assert.deepEqual(page.socket.take('signIn'), [{ accessKey: 'key-1' }]);
  signedIn(page.app, ME, 'Me', 'key-1');
  assert.deepEqual(page.socket.sent.map((f) => f.type), ['users', 'channels', 'channelJoin']);
  assert.deepEqual(page.socket.take('channelJoin'), [{ recipientUUID: BOB }]);
  receive(page.app, 'channels', { channels: [
    { recipientUUID: '', lastOffset: 12, readOffset: 10 },
    { recipientUUID: BOB, lastOffset: 6, readOffset: 4, lastMessage: msg(6, BOB, ME) },
  ] });
  assert.equal(page.app.state.reads.dividerFor(BOB), 4);
  assert.deepEqual([page.app.state.reads.count(''), page.app.state.reads.count(BOB)], [2, 2]);
  assert.equal(page.app.state.unreadTotal(), 4);
});
