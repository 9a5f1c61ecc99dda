// @ts-check
// The storage rules: each tab has its own session (sessionStorage), the
// browser keeps the last session signed in with (localStorage), and the
// forget rules of sign-out and of a stale last session.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as storage from '../js/storage.js';
import { browser, newTab, stored } from './memory-storage.js';

const ALICE = { accessKey: 'key-alice', userUUID: 'uuid-alice', username: 'Alice' };
const BOB = { accessKey: 'key-bob', userUUID: 'uuid-bob', username: 'Bob' };

/** @type {() => void} */
let tabA;
beforeEach(() => {
  tabA = browser();
});

test('a sign-in is the tab\'s own session and the last session; a new tab has only the last one', () => {
  storage.saveSession(ALICE, { last: true });
  assert.deepEqual(storage.loadSession(), ALICE);
  assert.deepEqual(storage.loadLastSession(), ALICE);
  assert.deepEqual(stored('sessionStorage', 'chat.session'), ALICE);
  assert.deepEqual(stored('localStorage', 'chat.lastSession'), ALICE);

  newTab();
  assert.equal(storage.loadSession(), null, 'a new tab has no session of its own');
  assert.deepEqual(storage.loadLastSession(), ALICE, 'but sees the last one');
});

test('adopting the last session makes it the tab\'s own too', () => {
  storage.saveSession(ALICE, { last: true });
  newTab();
  storage.saveSession(storage.loadLastSession() ?? assert.fail('no last session'), { last: true });
  assert.deepEqual(storage.loadSession(), ALICE);
  tabA();
  assert.deepEqual(storage.loadSession(), ALICE);
});

test('another user signing in in a new tab becomes the last session; the first tab keeps its own', () => {
  storage.saveSession(ALICE, { last: true });
  const tabB = newTab();
  storage.saveSession(BOB, { last: true });
  assert.deepEqual(storage.loadSession(), BOB);
  assert.deepEqual(storage.loadLastSession(), BOB);
  tabA();
  assert.deepEqual(storage.loadSession(), ALICE, 'tab A is still Alice');
  // Tab A resumes (a reload or a reconnection): the last session stays Bob.
  storage.saveSession(ALICE);
  assert.deepEqual(storage.loadLastSession(), BOB);
  tabB();
  assert.deepEqual(storage.loadSession(), BOB);
});

test('a resume updates the last session only when it is the same key', () => {
  storage.saveSession({ ...ALICE, username: 'alice' }, { last: true });
  storage.saveSession(ALICE);
  assert.equal(storage.loadLastSession()?.username, 'Alice', 'the name as the server spells it');
  newTab();
  storage.saveSession(BOB);
  assert.deepEqual(storage.loadLastSession(), ALICE, 'no sign-in: not the last session');
});

test('sign-out forgets the tab\'s session, and the last session when it is the same key', () => {
  storage.saveSession(ALICE, { last: true });
  storage.forgetSession(ALICE.accessKey);
  assert.equal(storage.loadSession(), null);
  assert.equal(storage.loadLastSession(), null);
  assert.equal(globalThis.localStorage.getItem('chat.lastSession'), null);
});

test('sign-out keeps another tab\'s newer last session', () => {
  storage.saveSession(ALICE, { last: true });
  newTab();
  storage.saveSession(BOB, { last: true });
  tabA();
  storage.forgetSession(ALICE.accessKey);
  assert.equal(storage.loadSession(), null);
  assert.deepEqual(storage.loadLastSession(), BOB);
});

test('a stale last session (401) is forgotten only if it is still the same key', () => {
  storage.saveSession(ALICE, { last: true });
  storage.forgetLastSession(BOB.accessKey);
  assert.deepEqual(storage.loadLastSession(), ALICE, 'another key: kept');
  storage.forgetLastSession(ALICE.accessKey);
  assert.equal(storage.loadLastSession(), null);
  assert.deepEqual(storage.loadSession(), ALICE, 'the tab\'s own session is not touched');
});

test('the session of the version before per-tab sessions becomes the last session', () => {
  globalThis.localStorage.setItem('chat.session', JSON.stringify(ALICE));
  assert.equal(storage.loadSession(), null);
  assert.deepEqual(storage.loadLastSession(), ALICE);
  assert.equal(globalThis.localStorage.getItem('chat.session'), null, 'moved');
  assert.deepEqual(stored('localStorage', 'chat.lastSession'), ALICE);
});

test('broken or foreign values are ignored', () => {
  globalThis.localStorage.setItem('chat.lastSession', '{not json');
  globalThis.sessionStorage.setItem('chat.session', JSON.stringify({ accessKey: '' }));
  assert.equal(storage.loadLastSession(), null);
  assert.equal(storage.loadSession(), null);
});

test('unsent messages are per tab and per user', () => {
  /** @type {import('../js/outbox.js').Outgoing[]} */
  const out = [{ clientID: 'c1', channel: '', text: 'hi', createdAt: '2025-01-01T00:00:00Z', tries: 0, sentEpoch: 0, sentAt: 0 }];
  storage.saveOutbox(ALICE.userUUID, out);
  assert.deepEqual(storage.loadOutbox(ALICE.userUUID), out);
  assert.deepEqual(storage.loadOutbox(BOB.userUUID), []);
  newTab();
  assert.deepEqual(storage.loadOutbox(ALICE.userUUID), [], 'another tab has its own');
  tabA();
  storage.saveOutbox(ALICE.userUUID, []);
  assert.equal(globalThis.sessionStorage.length, 0);
});

test('without storage (private windows, blocked) nothing is kept and nothing fails', () => {
  const throwing = { get() { throw new Error('SecurityError'); }, configurable: true };
  Object.defineProperty(globalThis, 'localStorage', throwing);
  Object.defineProperty(globalThis, 'sessionStorage', throwing);
  storage.saveSession(ALICE, { last: true });
  storage.forgetSession(ALICE.accessKey);
  assert.equal(storage.loadSession(), null);
  assert.equal(storage.loadLastSession(), null);
  storage.saveOutbox(ALICE.userUUID, []);
  assert.deepEqual(storage.loadOutbox(ALICE.userUUID), []);
});
