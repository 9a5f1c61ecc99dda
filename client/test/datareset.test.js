// @ts-check
// The server lost its data (Redis restarted without saving): the ready
// frame's dataEpoch changed and the access key is unknown. The person is
// told in plain words, the cached channels go, and a message queued while
// offline stays visible as not sent, with the reason, in the account they
// create again.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { LOST_REASON } from '../js/outbox.js';
import { browser, newTab, stored } from './memory-storage.js';
import { BOB, ME, drop, lastSession, load, msg, receive, reconnect, signIn, signedIn, tabSession } from './harness.js';

beforeEach(() => {
  browser();
});

const NEW_ME = 'eeeeeeee-0000-4000-8000-000000000009';
const unknownKey = { code: 401, error: 'unknown or expired access key', message: 'unknown or expired access key', request: 'signIn' };

/** A signed-in tab of data d1 with General loaded, then cut off by a 1012. */
function cutOff() {
  const s = signIn({ dataEpoch: 'd1' });
  receive(s.app, 'channelJoin', { recipientUUID: '', messages: [msg(1, BOB, ''), msg(2, ME, '')], users: [], epoch: 'e1', offset: 2 });
  drop(s.app, s.socket, 1012);
  return s;
}

test('the session keeps the data epoch of the connection that issued it', () => {
  signIn({ dataEpoch: 'd1' });
  assert.equal(tabSession().dataEpoch, 'd1');
  assert.equal(lastSession().dataEpoch, 'd1');
});

test('another data epoch and a 401: plain words, the channels dropped, the unsent message kept as not sent', () => {
  const { app, socket, shown } = cutOff();
  app.sendMessage('typed while the server was away');
  const [queued] = app.state.outbox;
  reconnect(app, socket, 'd2');
  assert.equal(app.state.positionFor(''), undefined, 'the cached channels of the old data are gone at once');
  receive(app, 'error', unknownKey);

  assert.equal(shown.screen, 'form');
  assert.match(shown.message, /^The chat server lost its data \(it was restarted without saving\)\. Your account and messages are gone: please create your account again\./);
  assert.match(shown.message, /The message you had not sent yet is kept/);
  assert.doesNotMatch(shown.message, /session has ended/);
  assert.equal(shown.username, 'Me', 'the name is filled in');
  assert.equal(tabSession(), null);
  assert.equal(lastSession(), null);
  assert.equal(app.state.channels.size, 0);
  const kept = stored('sessionStorage', 'chat.outbox.lost');
  assert.deepEqual(kept.map((/** @type {any} */ o) => [o.clientID, o.text, o.error]), [[queued.clientID, queued.text, LOST_REASON]]);

  // The person creates the account again: the message shows there, not sent.
  app.submitAuth('signUp', 'Me', 'new-password');
  assert.equal(socket.take('signUp').length, 1);
  signedIn(app, NEW_ME, 'Me', 'key-2');
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '' }], 'General afresh');
  assert.deepEqual(socket.take('channelMessage'), [], 'not sent on its own');
  assert.deepEqual(app.state.pending('').map((o) => [o.text, o.error]), [[queued.text, LOST_REASON]]);
  assert.equal(stored('sessionStorage', 'chat.outbox.lost'), null, 'adopted');
  assert.equal(stored('sessionStorage', 'chat.outbox.' + NEW_ME).length, 1, 'in the new account\'s outbox');
  app.retry(queued.clientID);
  assert.deepEqual(socket.take('channelMessage').map((p) => [p.message, p.clientID]), [[queued.text, queued.clientID]]);
  assert.equal(tabSession().dataEpoch, 'd2');
});

test('a private message of lost data shows in General, named, with Edit to put its text in the composer', () => {
  const { app, socket, shown } = cutOff();
  app.state.upsertUser({ UUID: BOB, Username: 'Bob', OnLine: true });
  app.open(BOB);
  app.sendMessage('for Bob');
  app.open('');
  app.sendMessage('for everyone');
  reconnect(app, socket, 'd2');
  receive(app, 'error', unknownKey);
  assert.match(shown.message, /The 2 messages you had not sent yet are kept/);
  app.submitAuth('signIn', 'Me', 'pw');
  signedIn(app, NEW_ME, 'Me', 'key-2');
  const shownInGeneral = app.state.pending('');
  assert.deepEqual(shownInGeneral.map((o) => o.text), ['for Bob', 'for everyone']);
  assert.match(shownInGeneral[0].error ?? '', /private message to Bob/);
  assert.equal(shownInGeneral[0].noRetry, true, 'its recipient is gone too');
  assert.equal(shownInGeneral[0].editable, true);
  assert.equal(shownInGeneral[1].noRetry, undefined);
  app.edit(shownInGeneral[0].clientID);
  assert.equal(shown.composer, 'for Bob', 'the text is in the composer');
  assert.deepEqual(app.state.pending('').map((o) => o.text), ['for everyone']);
});

test('the same data epoch and a 401: the session ended, as before', () => {
  const { app, socket, shown } = cutOff();
  reconnect(app, socket, 'd1');
  assert.notEqual(app.state.positionFor(''), undefined, 'the same data: the channels stay');
  receive(app, 'error', unknownKey);
  assert.equal(shown.message, 'Your session has ended. Please sign in again.');
});

test('an older server without dataEpoch: the session ended, as before', () => {
  const { app, socket, shown } = cutOff();
  reconnect(app, socket);
  receive(app, 'error', unknownKey);
  assert.equal(shown.message, 'Your session has ended. Please sign in again.');
});

test('another data epoch but the key still works: the session goes on with the new epoch and fresh channels', () => {
  const { app, socket } = cutOff();
  reconnect(app, socket, 'd2');
  signedIn(app, ME, 'Me', 'key-1');
  assert.deepEqual(socket.take('channelJoin'), [{ recipientUUID: '' }], 'no since into data that is gone');
  assert.equal(tabSession().dataEpoch, 'd2');
});

test('continuing a last session of lost data says so too', () => {
  signIn({ dataEpoch: 'd1' });
  newTab();
  const b = load();
  receive(b.app, 'ready', { sessionUUID: 's9', dataEpoch: 'd2' });
  b.app.continueLast();
  assert.deepEqual(b.socket.take('signIn'), [{ accessKey: 'key-1' }]);
  receive(b.app, 'error', unknownKey);
  assert.match(b.authErrors.at(-1) ?? '', /lost its data/);
  assert.equal(lastSession(), null);
});

test('a kept message that reached the new data before the loss was noticed shows once, as stored', () => {
  const { app, socket } = cutOff();
  app.sendMessage('stored under the old account');
  const [queued] = app.state.outbox;
  reconnect(app, socket, 'd2');
  receive(app, 'error', unknownKey);
  app.submitAuth('signUp', 'Me', 'pw');
  signedIn(app, NEW_ME, 'Me', 'key-2');
  assert.equal(app.state.outbox.length, 1);
  // The new General holds it, sent by the account that is gone.
  receive(app, 'channelJoin', { recipientUUID: '', messages: [msg(1, ME, '', queued.clientID)], users: [], epoch: 'e2', offset: 1 });
  assert.equal(app.state.outbox.length, 0, 'confirmed by its clientID');
  assert.equal(app.state.pending('').length, 0);
  assert.deepEqual(app.state.open.messages.map((m) => m.ClientID), [queued.clientID]);
});
