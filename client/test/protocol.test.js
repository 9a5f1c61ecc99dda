// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GENERAL, authErrorText, channelOf, decodeFrame, encodeFrame, newClientID, socketURL,
} from '../js/protocol.js';

const ME = 'aaaaaaaa-0000-4000-8000-000000000001';
const BOB = 'bbbbbbbb-0000-4000-8000-000000000002';

test('frames are envelopes with the payload under the type', () => {
  assert.equal(encodeFrame('channelJoin', { recipientUUID: '' }), '{"type":"channelJoin","channelJoin":{"recipientUUID":""}}');
  assert.equal(encodeFrame('users'), '{"type":"users","users":{}}');
  const f = decodeFrame('{"type":"ready","ready":{"sessionUUID":"s"}}');
  assert.equal(f?.type, 'ready');
  assert.deepEqual(f?.payload, { sessionUUID: 's' });
});

test('frames that are not envelopes are dropped', () => {
  for (const d of ['', 'nope', '[]', '{"x":1}', '{"type":3}', 'null', undefined, 42]) {
    assert.equal(decodeFrame(d), null, String(d));
  }
});

test('a message names its channel from my side', () => {
  assert.equal(channelOf({ SenderUUID: BOB, RecipientUUID: '' }, ME), GENERAL);
  assert.equal(channelOf({ SenderUUID: ME, RecipientUUID: '' }, ME), GENERAL);
  // I sent it to Bob: the stored recipient is Bob.
  assert.equal(channelOf({ SenderUUID: ME, RecipientUUID: BOB }, ME), BOB);
  // Bob sent it to me: the stored recipient is me, the channel is Bob.
  assert.equal(channelOf({ SenderUUID: BOB, RecipientUUID: ME }, ME), BOB);
});

test('client IDs are random printable tokens the server accepts', () => {
  const ids = new Set();
  for (let i = 0; i < 100; i++) {
    const id = newClientID();
    assert.match(id, /^[0-9a-f]{32}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 100);
});

test('the socket URL follows the page', () => {
  assert.equal(socketURL({ href: 'http://127.0.0.1:5555/' }), 'ws://127.0.0.1:5555/ws');
  assert.equal(socketURL({ href: 'https://chat.example/?x=1#top' }), 'wss://chat.example/ws');
  assert.equal(socketURL({ href: 'https://example.com/chat/index.html' }), 'wss://example.com/chat/ws');
});

test('sign-in errors read as advice', () => {
  assert.match(authErrorText(401, 'wrong username or password'), /wrong username or password.*create account/i);
  assert.match(authErrorText(409, 'username already taken'), /taken/i);
  assert.equal(authErrorText(400, 'username is longer than 32 characters'), 'Username is longer than 32 characters.');
  assert.match(authErrorText(429, 'too many requests: slow down'), /too many/i);
});
