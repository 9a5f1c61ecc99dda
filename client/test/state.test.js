// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeMessages } from '../js/channel.js';
import { ChatState } from '../js/state.js';

/** @typedef {import('../js/protocol.js').Message} Message */

const ME = 'aaaaaaaa-0000-4000-8000-000000000001';
const BOB = 'bbbbbbbb-0000-4000-8000-000000000002';
const CAROL = 'cccccccc-0000-4000-8000-000000000003';
/** @type {Record<string, string>} */
const names = { [ME]: 'Me', [BOB]: 'Bob', [CAROL]: 'Carol' };

/**
 * msg makes a stored message.
 * @param {number} offset
 * @param {string} from
 * @param {string} to '' for general
 * @param {string} [clientID]
 * @returns {Message}
 */
function msg(offset, from, to = '', clientID) {
  /** @type {Message} */
  const m = {
    Offset: offset, UUID: `m${offset}-${from}-${to}`, SenderUUID: from,
    Sender: { UUID: from, Username: names[from], OnLine: true },
    RecipientUUID: to, Message: `text ${offset}`, CreatedAt: '2025-01-02T03:04:05.123456789Z',
  };
  if (clientID) m.ClientID = clientID;
  return m;
}

const offsets = (/** @type {Message[]} */ l) => l.map((m) => m.Offset);

function signedIn() {
  const s = new ChatState();
  s.setMe(ME, 'Me');
  s.setUsers([{ UUID: ME, Username: 'Me', OnLine: true }, { UUID: BOB, Username: 'Bob', OnLine: true },
    { UUID: CAROL, Username: 'Carol', OnLine: false }], 3);
  return s;
}

test('merge orders by offset and keeps each offset once', () => {
  const a = mergeMessages([], [msg(3, BOB), msg(1, BOB), msg(2, BOB), msg(3, BOB)]);
  assert.deepEqual(offsets(a.list), [1, 2, 3]);
  assert.equal(a.added.length, 3);
  const b = mergeMessages(a.list, [msg(2, BOB), msg(5, BOB), msg(4, BOB)]);
  assert.deepEqual(offsets(b.list), [1, 2, 3, 4, 5]);
  assert.deepEqual(offsets(b.added), [5, 4]);
  const c = mergeMessages(b.list, [msg(1, BOB)]);
  assert.equal(c.list, b.list, 'nothing new: the same array');
  assert.equal(c.added.length, 0);
});

test('merge keeps one message per sender and clientID', () => {
  const a = mergeMessages([msg(4, ME, '', 'c1')], [msg(7, ME, '', 'c1'), msg(8, BOB, '', 'c1')]);
  assert.deepEqual(offsets(a.list), [4, 8], 'my retried c1 is dropped, Bob may use the same ID');
});

test('merge ignores messages without a usable offset', () => {
  const bad = /** @type {any[]} */ ([null, { Offset: 0 }, { Offset: -1 }, { Offset: '3' }, {}]);
  assert.deepEqual(mergeMessages([], bad).list, []);
});

test('an own message is pending until its echo, which confirms it by clientID', () => {
  const s = signedIn();
  s.applyJoin('', [msg(1, BOB)]);
  s.addOutgoing('', 'hello', 'c1', Date.now());
  assert.equal(s.pending('').length, 1);
  const r = s.applyLive(msg(2, ME, '', 'c1'), '');
  assert.deepEqual(r, { key: '', added: true, own: true, result: 'added' });
  assert.equal(s.pending('').length, 0);
  // The same message again (a retried send, or history): shown once.
  assert.equal(s.applyLive(msg(2, ME, '', 'c1'), '').result, 'duplicate');
  s.applyHistory('', [msg(1, BOB), msg(2, ME, '', 'c1')], false);
  assert.deepEqual(offsets(s.open.messages), [1, 2]);
});

test('a join reply with my message confirms it too', () => {
  const s = signedIn();
  s.addOutgoing(BOB, 'typed offline', 'c9', Date.now());
  s.openChannel(BOB);
  s.applyJoin(BOB, [msg(1, BOB, ME), msg(2, ME, BOB, 'c9')]);
  assert.equal(s.outbox.length, 0);
});

test('rejoining with since extends the log; an unrecovered gap replaces it', () => {
  const s = signedIn();
  assert.equal(s.positionFor(''), undefined, 'never loaded: no since');
  s.applyJoin('', [msg(8, BOB), msg(9, BOB)]);
  assert.equal(s.open.hasMore, true, 'offsets before 8 exist');
  assert.deepEqual(s.positionFor(''), { since: 9 }, 'an older server: no epoch');
  s.applyJoin('', [msg(10, CAROL), msg(11, BOB)], { recovered: true });
  assert.deepEqual(offsets(s.open.messages), [8, 9, 10, 11]);
  s.applyJoin('', [msg(1500, BOB)], { recovered: false });
  assert.deepEqual(offsets(s.open.messages), [1500]);
});

test('older history goes in front and ends when the server says so', () => {
  const s = signedIn();
  s.applyJoin('', [msg(51, BOB), msg(52, BOB)]);
  s.open.loadingOlder = true;
  s.applyHistory('', [msg(49, BOB), msg(50, CAROL)], true);
  assert.deepEqual(offsets(s.open.messages), [49, 50, 51, 52]);
  assert.equal(s.open.loadingOlder, false);
  assert.equal(s.open.hasMore, true);
  s.applyHistory('', [msg(48, BOB)], false);
  assert.equal(s.open.hasMore, false);
  s.applyJoin('', [msg(1, BOB)]);
  assert.equal(s.open.hasMore, false, 'offset 1 is the first there is');
});

test('private messages are filed under the other party, from both sides', () => {
  const s = signedIn();
  s.openChannel(BOB);
  s.applyJoin(BOB, []);
  assert.equal(s.applyLive(msg(1, BOB, ME), BOB).key, BOB);
  assert.equal(s.applyLive(msg(2, ME, BOB), BOB).key, BOB);
  assert.deepEqual(offsets(s.channel(BOB).messages), [1, 2]);
  assert.equal(s.reads.count(BOB), 0, 'the own message reads what came before it');
});

test('notify counts unread for a channel that is not open; seeing it clears it, opening alone does not', () => {
  const s = signedIn();
  s.applyJoin('', []);
  s.applyNotify(BOB, msg(1, BOB, ME));
  s.applyNotify(BOB, msg(2, BOB, ME));
  s.applyNotify(CAROL, msg(1, CAROL, ME));
  assert.equal(s.reads.count(BOB), 2);
  assert.equal(s.unreadTotal(), 3);
  s.openChannel(BOB);
  assert.equal(s.reads.count(BOB), 2);
  s.reads.saw(BOB, 2);
  assert.equal(s.reads.count(BOB), 0);
  assert.equal(s.unreadTotal(), 1);
});

test('a late message of a channel just left counts as unread and keeps the log gapless', () => {
  const s = signedIn();
  s.openChannel(BOB);
  s.applyJoin(BOB, [msg(1, BOB, ME)]);
  s.openChannel('');
  s.applyLive(msg(2, BOB, ME), '');
  assert.equal(s.reads.count(BOB), 2, 'never seen: 1 and 2');
  assert.deepEqual(offsets(s.channel(BOB).messages), [1, 2]);
  assert.equal(s.applyLive(msg(5, BOB, ME), '').result, 'duplicate', 'not joined here: no rejoin asked');
  assert.deepEqual(offsets(s.channel(BOB).messages), [1, 2], 'a gap: left for the next join to fill');
  assert.deepEqual(s.positionFor(BOB), { since: 2 });
});

test('presence adds new users and updates the known', () => {
  const s = signedIn();
  assert.equal(s.upsertUser({ UUID: 'dddddddd-0000-4000-8000-000000000004', Username: 'Dan', OnLine: true }), true);
  assert.equal(s.upsertUser({ UUID: CAROL, Username: 'Carol', OnLine: true }), false);
  assert.deepEqual(s.people().map((u) => u.Username), ['Bob', 'Carol', 'Dan'], 'online first, then by name; not me');
  s.upsertUser({ UUID: BOB, Username: 'Bob', OnLine: false });
  assert.deepEqual(s.people().map((u) => `${u.Username}:${u.OnLine}`), ['Carol:true', 'Dan:true', 'Bob:false']);
});

test('typing shows for a while, in its channel only, never for me', () => {
  const s = signedIn();
  s.setTyping('', { UUID: BOB, Username: 'Bob', OnLine: true }, 1000);
  s.setTyping(CAROL, { UUID: CAROL, Username: 'Carol', OnLine: true }, 1000);
  s.setTyping('', { UUID: ME, Username: 'Me', OnLine: true }, 1000);
  assert.deepEqual(s.typingIn('', 500), ['Bob']);
  assert.deepEqual(s.typingIn(CAROL, 500), ['Carol']);
  assert.deepEqual(s.typingIn('', 1000), []);
  s.setTyping('', { UUID: BOB, Username: 'Bob', OnLine: true }, 5000);
  s.applyLive(msg(1, BOB), '');
  assert.deepEqual(s.typingIn('', 500), [], 'a message ends the typing');
});

test('signing in as someone else starts from scratch', () => {
  const s = signedIn();
  s.addOutgoing('', 'x', 'c1', 0);
  s.setMe(ME, 'Me');
  assert.equal(s.outbox.length, 1);
  s.setMe(BOB, 'Bob');
  assert.equal(s.outbox.length, 0);
  assert.equal(s.users.size, 0);
});
