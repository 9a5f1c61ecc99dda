// @ts-check
// Keeping the open channel complete: rejoins with since and epoch after a
// reconnection, a reset stream (recovered: false) replacing what is held, a
// gap in live messages rejoined on the same connection, duplicates ignored.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { bannerText } from '../js/banner.js';
import { browser } from './memory-storage.js';
import { BOB, ME, drop, msg, receive, reconnect, signIn, signedIn } from './harness.js';

beforeEach(() => {
  browser();
});

const offsets = (/** @type {import('../js/app.js').ChatApp} */ app) => app.state.open.messages.map((m) => m.Offset);

test('after a 1012 the rejoin asks for what follows, in the epoch of the last reply', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(1, BOB, ''), msg(2, BOB, '')], users: [], epoch: 'e1', offset: 2 });
  drop(app, socket, 1012);
  reconnect(app, socket);
  signedIn(app, ME, 'Me', 'key-1');
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '', since: 2, epoch: 'e1' }]);
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(3, BOB, '')], users: [], epoch: 'e1', offset: 3, recovered: true });
  assert.deepEqual(offsets(app), [1, 2, 3]);
});

test('recovered: false replaces the cached messages with the page; unsent messages stay and go out', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(1, BOB, ''), msg(2, BOB, ''), msg(3, BOB, '')], users: [], epoch: 'e1', offset: 3 });
  drop(app, socket, 1012);
  app.sendMessage('typed during the reset');
  reconnect(app, socket);
  signedIn(app, ME, 'Me', 'key-1');
  const [sent] = socket.take('channelMessage');
  assert.equal(sent.message, 'typed during the reset');
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '', since: 3, epoch: 'e1' }]);
  const fresh = { ...msg(1, BOB, ''), UUID: 'fresh-1', Message: 'the new stream' };
  receive(app, 'channelJoin', { recipientUUID: '', messages: [fresh], users: [], epoch: 'e2', offset: 1, recovered: false });
  assert.deepEqual(app.state.open.messages.map((m) => m.UUID), ['fresh-1'], 'the old stream\'s messages are gone');
  assert.deepEqual(app.state.pending('').map((o) => o.clientID), [sent.clientID], 'the unsent one is kept');
  receive(app, 'channelMessage', msg(2, ME, '', sent.clientID));
  assert.equal(app.state.outbox.length, 0, 'its echo in the new stream confirms it');
  assert.deepEqual(offsets(app), [1, 2]);
  app.tick();
  assert.deepEqual(socket.take('channelJoin'), [], 'nothing more to ask');
});

test('a gap in live messages rejoins on the same connection with since and epoch', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(1, BOB, ''), msg(2, BOB, '')], users: [], epoch: 'e1', offset: 2 });
  receive(app, 'channelMessage', msg(3, BOB, ''));
  assert.deepEqual(socket.take('channelJoin'), []);
  const connection = app.epoch;
  receive(app, 'channelMessage', msg(5, BOB, ''));
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '', since: 3, epoch: 'e1' }], 'offset 4 is missing');
  assert.equal(app.epoch, connection, 'no reconnection');
  receive(app, 'channelMessage', msg(6, BOB, ''));
  assert.deepEqual(socket.take('channelJoin'), [], 'one rejoin at a time: its reply brings the rest');
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(4, BOB, ''), msg(5, BOB, ''), msg(6, BOB, '')], users: [], epoch: 'e1', offset: 6, recovered: true });
  assert.deepEqual(offsets(app), [1, 2, 3, 4, 5, 6]);
  receive(app, 'channelMessage', msg(7, BOB, ''));
  receive(app, 'channelMessage', msg(7, BOB, ''));
  receive(app, 'channelMessage', msg(2, BOB, ''));
  assert.deepEqual(offsets(app), [1, 2, 3, 4, 5, 6, 7], 'duplicates are ignored');
  assert.deepEqual(socket.take('channelJoin'), []);
});

test('an older server (no epoch, no offset): a gap rejoins with since alone', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(1, BOB, '')], users: [] });
  receive(app, 'channelMessage', msg(3, BOB, ''));
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '', since: 1 }]);
});

test('another message at an offset held: the stream went back, the channel is joined afresh', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(1, BOB, ''), msg(2, BOB, '')], users: [], epoch: 'e1', offset: 2 });
  receive(app, 'channelMessage', { ...msg(2, BOB, ''), UUID: 'not-the-same' });
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '' }], 'no since: the latest page');
  receive(app, 'channelJoin', { recipientUUID: '', messages: [{ ...msg(2, BOB, ''), UUID: 'not-the-same' }], users: [], epoch: 'e1', offset: 2 });
  assert.deepEqual(app.state.open.messages.map((m) => m.UUID), ['not-the-same']);
});

test('a gap in a private channel joined here rejoins it; one elsewhere waits for its next join', () => {
  const { app, socket } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [], epoch: 'g1', offset: 0 });
  app.open(BOB);
  socket.take('channelJoin');
  receive(app, 'channelJoin', { recipientUUID: BOB, messages: [msg(1, BOB, ME)], users: [], epoch: 'p1', offset: 1 });
  receive(app, 'channelMessage', msg(3, BOB, ME));
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: BOB, since: 1, epoch: 'p1' }]);
  receive(app, 'channelJoin', { recipientUUID: BOB, messages: [msg(2, BOB, ME), msg(3, BOB, ME)], users: [], epoch: 'p1', offset: 3, recovered: true });
  app.open('');
  socket.take('channelJoin');
  receive(app, 'notify', { recipientUUID: BOB, message: msg(5, BOB, ME) });
  assert.deepEqual(socket.take('channelJoin'), [], 'not joined here: no rejoin');
  assert.equal(app.state.reads.count(BOB), 5, 'nothing of it seen: 1 to 5');
  app.open(BOB);
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: BOB, since: 3, epoch: 'p1' }], 'the next join asks for 4 and 5');
});

test('the banner says why the connection is down', () => {
  const c = { socket: 'down', retryAt: 3500, closeCode: 1012, chat: true, signedIn: false, wasOnline: true };
  assert.equal(bannerText(c, 1000), 'The server is restarting. Reconnecting in 3 s…');
  assert.equal(bannerText({ ...c, closeCode: 1013 }, 1000), 'The server is busy. Reconnecting in 3 s…');
  assert.equal(bannerText({ ...c, closeCode: 1006 }, 3600), 'Connection lost. Reconnecting…');
  assert.equal(bannerText({ ...c, wasOnline: false }, 1000), 'Cannot reach the server. Retrying in 3 s…');
  assert.equal(bannerText({ ...c, socket: 'open' }, 1000), 'Reconnecting…');
  assert.equal(bannerText({ ...c, socket: 'open', signedIn: true }, 1000), '');
});
