// @ts-check
// Error frames matched to their message by clientID: 503 and 429 keep it
// queued and retry it with backoff (same clientID), a validation error marks
// exactly that message as not sent, for good; errors without a clientID
// (older servers) are handled as before.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { browser } from './memory-storage.js';
import { remedy } from '../js/protocol.js';
import { ME, msg, receive, signIn } from './harness.js';

// Backoffs draw half their cap: a retry is never due at once by chance.
beforeEach(() => {
  browser();
  mock.method(Math, 'random', () => 0.5);
});
afterEach(() => {
  mock.restoreAll();
});

/** signIn, the General join answered, and messages sent: their clientIDs. */
function sending(/** @type {string[]} */ ...texts) {
  const s = signIn();
  receive(s.app, 'channelJoin', { recipientUUID: '', messages: [], users: [], epoch: 'e1', offset: 0 });
  for (const t of texts) s.app.sendMessage(t);
  const ids = s.socket.take('channelMessage').map((p) => p.clientID);
  assert.equal(ids.length, texts.length);
  return { ...s, ids };
}

/**
 * @param {import('../js/app.js').ChatApp} app
 * @param {number} code
 * @param {string} [clientID]
 * @param {string} [request]
 */
function error(app, code, clientID, request = 'channelMessage') {
  /** @type {Record<string, any>} */
  const p = { code, error: 'e', message: `error ${code}`, request };
  if (clientID) p.clientID = clientID;
  receive(app, 'error', p);
}

test('a 503 keeps exactly that message queued and sends it again after a backoff, same clientID', () => {
  const { app, socket, ids } = sending('first', 'second');
  const before = Date.now();
  error(app, 503, ids[1]);
  const [a, b] = app.state.outbox;
  assert.equal(a.retryAt, undefined, 'the other message is untouched');
  assert.equal(b.error, undefined, 'not failed');
  assert.ok(b.retryAt !== undefined && b.retryAt >= before + 500 && b.retryAt <= Date.now() + 500, 'half the first retry cap (1 s)');
  assert.match(b.note ?? '', /cannot store/);
  app.tick();
  assert.deepEqual(socket.take('channelMessage'), [], 'not before its time');
  b.retryAt = Date.now() - 1;
  app.tick();
  assert.deepEqual(socket.take('channelMessage').map((p) => p.clientID), [ids[1]]);
  assert.equal(b.retryAt, undefined);
  const again = Date.now();
  error(app, 503, ids[1]);
  assert.ok((b.retryAt ?? 0) >= again + 1000 && (b.retryAt ?? 0) <= Date.now() + 1000, 'half the second cap, twice the first');
  assert.equal(b.retries, 2);
  receive(app, 'channelMessage', msg(1, ME, '', ids[1]));
  assert.deepEqual(app.state.outbox.map((o) => o.clientID), [ids[0]], 'its echo confirms it');
});

test('a 429 with a clientID is retried the same way, and never counts as an unanswered send', () => {
  const { app, socket, ids } = sending('fast');
  for (let i = 0; i < 8; i++) {
    error(app, 429, ids[0]);
    app.state.outbox[0].retryAt = Date.now() - 1;
    app.tick();
    assert.deepEqual(socket.take('channelMessage').map((p) => p.clientID), [ids[0]], `retry ${i + 1}`);
  }
  assert.equal(app.state.outbox[0].error, undefined, 'answered every time: not failed');
});

test('a validation error (400, 413) marks exactly that message as not sent, without retry', () => {
  for (const code of [400, 413]) {
    browser();
    const { app, socket, ids } = sending('fine', 'refused');
    error(app, code, ids[1]);
    const [fine, refused] = app.state.outbox;
    assert.equal(fine.error, undefined);
    assert.equal(refused.error, `Error ${code}`);
    assert.equal(refused.noRetry, true, 'only Discard is offered');
    for (const o of app.state.outbox) o.sentAt -= 10000;
    app.tick();
    assert.deepEqual(socket.take('channelMessage').map((p) => p.clientID), [ids[0]], 'the unconfirmed one is resent, the refused one not');
  }
});

test('other errors with a clientID mark that message as not sent, with Retry', () => {
  const { app, socket, ids } = sending('one', 'two');
  error(app, 500, ids[0]);
  assert.equal(app.state.outbox[0].error, 'The server had a problem. Try again in a moment');
  assert.equal(app.state.outbox[0].noRetry, undefined);
  assert.equal(app.state.outbox[1].error, undefined);
  app.retry(ids[0]);
  assert.deepEqual(socket.take('channelMessage').map((p) => p.clientID), [ids[0]]);
});

test('an error naming a clientID no longer queued changes nothing', () => {
  const { app, toasts, ids } = sending('one');
  error(app, 400, 'someone-else');
  error(app, 503, 'someone-else', '');
  assert.equal(app.state.outbox[0].error, undefined);
  assert.equal(app.state.outbox[0].retryAt, undefined);
  assert.deepEqual(toasts, []);
  assert.equal(ids.length, 1);
});

test('errors without a clientID are handled as before', () => {
  const { app, toasts } = sending('one', 'two');
  error(app, 429);
  assert.equal(app.state.outbox.filter((o) => o.error).length, 0, 'a 429 is left to the resend');
  error(app, 500);
  assert.deepEqual(app.state.outbox.map((o) => !!o.error), [true, false], 'the first sent on this connection is marked');
  error(app, 429, undefined, '');
  assert.deepEqual(toasts, ['You are sending too fast. Slow down a little.']);
  error(app, 503, undefined, '');
  assert.match(toasts.at(-1) ?? '', /cannot reach its storage/);
});

test('a 503 on channelJoin asks again after a backoff', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const { app, socket, toasts } = signIn();
    error(app, 503, undefined, 'channelJoin');
    assert.match(toasts.at(-1) ?? '', /storage/);
    assert.deepEqual(socket.take('channelJoin'), []);
    mock.timers.tick(499);
    assert.deepEqual(socket.take('channelJoin'), []);
    mock.timers.tick(1);
    assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '' }], 'after half the first retry cap');
    receive(app, 'channelJoin', { recipientUUID: '', messages: [], users: [], epoch: 'e1', offset: 0 });
    mock.timers.tick(60000);
    assert.deepEqual(socket.take('channelJoin'), [], 'once joined, no more');
  } finally {
    mock.timers.reset();
  }
});

test('a 401 for a message signs the connection in again and keeps the message', () => {
  const { app, socket, ids } = sending('one');
  error(app, 401, ids[0]);
  assert.deepEqual(socket.take('signIn'), [{ accessKey: 'key-1' }]);
  assert.equal(app.state.outbox[0].error, undefined);
  receive(app, 'sys', { type: 'signIn', signIn: { uuid: ME, username: 'Me' } });
  app.state.outbox[0].retryAt = Date.now() - 1;
  app.tick();
  assert.deepEqual(socket.take('channelMessage').map((p) => p.clientID), ids);
});

test('each error code maps to what the person can do: wait, edit or retry', () => {
  for (const code of [503, 429, 401]) assert.equal(remedy(code), 'wait', String(code));
  for (const code of [400, 413]) assert.equal(remedy(code), 'edit', String(code));
  for (const code of [500, 404, 403, 0]) assert.equal(remedy(code), 'retry', String(code));
});

test('a validation error offers Edit: the text goes back to the composer, the message leaves the list', () => {
  const { app, socket, shown, ids } = sending('too long for this server', 'fine');
  error(app, 400, ids[0]);
  const refused = app.state.outbox[0];
  assert.equal(refused.editable, true, 'Edit, not Retry');
  assert.equal(refused.noRetry, true);
  app.edit(ids[0]);
  assert.equal(shown.composer, 'too long for this server');
  assert.deepEqual(app.state.outbox.map((o) => o.clientID), [ids[1]], 'only the other one is left');
  app.edit('gone');
  assert.equal(shown.composer, 'too long for this server', 'an unknown clientID changes nothing');
  assert.deepEqual(socket.take('channelMessage'), [], 'nothing sent by Edit itself');
});

test('a 413 without a clientID (older servers) offers Edit too; a 500 Retry', () => {
  const { app } = sending('one', 'two');
  error(app, 413);
  assert.equal(app.state.outbox[0].editable, true);
  error(app, 500);
  assert.equal(app.state.outbox[1].editable, undefined);
  assert.equal(app.state.outbox[1].noRetry, undefined, 'Retry');
  app.retry(app.state.outbox[0].clientID);
  assert.equal(app.state.outbox[0].editable, undefined, 'Retry clears it');
});
