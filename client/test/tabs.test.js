// @ts-check
// Sessions per tab, with a fake socket and views and an in-memory storage
// per tab: the tab's own session, the browser's last session offered to a
// new tab ("Continue as"), sign-out in one tab, the outbox kept per tab.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { browser, newTab, stored } from './memory-storage.js';
import { BOB, ME, lastSession, load, receive, signIn, signedIn, tabSession } from './harness.js';

/**
 * The storage of a fresh browser before each test, with its first tab:
 * tabA() goes back to that tab.
 * @type {() => void}
 */
let tabA;
beforeEach(() => {
  tabA = browser();
});

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
  assert.deepEqual(b.socket.take('signIn'), [{ username: 'Me', password: 'pw', create: false }]);
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
