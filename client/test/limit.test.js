// @ts-check
// The message limit: counted as the server counts (code points), a counter
// near the limit, and a longer message refused with the reason, its text
// kept (never cut).
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { counter, messageLength, tooLongText } from '../js/limit.js';
import { MAX_MESSAGE_LENGTH } from '../js/protocol.js';
import { browser } from './memory-storage.js';
import { receive, signIn } from './harness.js';

beforeEach(() => browser());

test('the default limit is the server default', () => {
  assert.equal(MAX_MESSAGE_LENGTH, 4096);
});

test('characters are code points, as the server counts them', () => {
  assert.equal(messageLength('abc'), 3);
  assert.equal(messageLength('héllo'), 5);
  assert.equal(messageLength('😀😀'), 2, 'an emoji is one, not two UTF-16 units');
  assert.equal(messageLength(''), 0);
});

test('the counter shows near the limit only, then by how much it is over', () => {
  assert.deepEqual(counter(0, 4096), { text: '', over: false });
  assert.deepEqual(counter(3686, 4096), { text: '', over: false }, 'more than a tenth left');
  assert.deepEqual(counter(3687, 4096), { text: '409 characters left', over: false });
  assert.deepEqual(counter(4095, 4096), { text: '1 character left', over: false });
  assert.deepEqual(counter(4096, 4096), { text: '0 characters left', over: false }, 'at the limit: still sent');
  assert.deepEqual(counter(4097, 4096), { text: '1 character over the limit of 4096', over: true });
  assert.deepEqual(counter(5000, 4096), { text: '904 characters over the limit of 4096', over: true });
  assert.deepEqual(counter(150, 200), { text: '50 characters left', over: false }, 'a small limit: from 50 characters before it');
  assert.deepEqual(counter(149, 200), { text: '', over: false });
});

test('a message over the limit is refused with the reason, and its text stays', () => {
  const { app, socket, toasts } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [], epoch: 'e1', offset: 0 });
  const long = 'x'.repeat(5000);
  assert.equal(app.sendMessage(long), false, 'refused: the composer keeps the text');
  assert.deepEqual(socket.take('channelMessage'), [], 'nothing sent');
  assert.equal(app.state.outbox.length, 0);
  assert.deepEqual(toasts, [tooLongText(5000, 4096)]);
  assert.match(toasts[0], /5000 characters and the limit is 4096\. Shorten it by 904 characters/);
  const full = '😀'.repeat(4096);
  assert.equal(app.sendMessage(full), true, 'exactly the limit in code points is sent');
  assert.equal(socket.take('channelMessage')[0].message, full, 'whole, not cut');
});

test('the limit is the app\'s, for the server to set', () => {
  const { app, socket, toasts } = signIn();
  receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [], epoch: 'e1', offset: 0 });
  app.maxMessageLength = 10;
  assert.equal(app.sendMessage('x'.repeat(11)), false);
  assert.match(toasts[0], /limit is 10/);
  assert.equal(app.sendMessage('x'.repeat(10)), true);
  assert.equal(socket.take('channelMessage').length, 1);
});
