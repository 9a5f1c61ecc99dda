// @ts-check
// A channel's position in its stream (epoch and offset), as the state keeps
// it from join replies and live messages: what a rejoin asks for, what a
// reset replaces, what counts as a gap, a duplicate or a conflict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelLog, mergeMessages } from '../js/channel.js';
import { ChatState } from '../js/state.js';

/** @typedef {import('../js/protocol.js').Message} Message */

const ME = 'aaaaaaaa-0000-4000-8000-000000000001';
const BOB = 'bbbbbbbb-0000-4000-8000-000000000002';

/**
 * @param {number} offset
 * @param {string} [from]
 * @param {string} [uuid]
 * @returns {Message}
 */
function msg(offset, from = BOB, uuid = `m${offset}`) {
  return {
    Offset: offset, UUID: uuid, SenderUUID: from, Sender: { UUID: from, Username: from === ME ? 'Me' : 'Bob', OnLine: true },
    RecipientUUID: '', Message: `text ${offset}`, CreatedAt: '2025-01-02T03:04:05Z',
  };
}

const offsets = (/** @type {ChannelLog} */ l) => l.messages.map((m) => m.Offset);

/** A log joined at offsets from..to in epoch e1. */
function joined(from = 1, to = 3) {
  const log = new ChannelLog('');
  const page = [];
  for (let o = from; o <= to; o++) page.push(msg(o));
  log.join(page, { epoch: 'e1', offset: to });
  return log;
}

test('a join reply sets the epoch and the position, which a rejoin asks to follow', () => {
  const s = new ChatState();
  s.setMe(ME, 'Me');
  s.applyJoin('', [msg(4), msg(5)], { epoch: 'e1', offset: 5 });
  assert.deepEqual(s.positionFor(''), { since: 5, epoch: 'e1' });
  assert.equal(s.open.hasMore, true);
  s.applyJoin('', [msg(6)], { recovered: true, epoch: 'e1', offset: 6 });
  assert.deepEqual(offsets(s.open), [4, 5, 6]);
  assert.deepEqual(s.positionFor(''), { since: 6, epoch: 'e1' });
});

test('the offset of a reply is the position even when its page is short of it', () => {
  const log = new ChannelLog('');
  log.join([], { epoch: 'e1', offset: 0 });
  assert.equal(log.position, 0, 'an empty channel');
  assert.equal(log.accept(msg(1)), 'added');
  const trimmed = new ChannelLog('');
  trimmed.join([], { epoch: 'e1', offset: 40 });
  assert.equal(trimmed.position, 40);
  assert.equal(trimmed.accept(msg(41)), 'added', 'no false gap after an empty page');
});

test('recovered: false replaces the messages held, in the new epoch', () => {
  const s = new ChatState();
  s.setMe(ME, 'Me');
  s.applyJoin('', [msg(1), msg(2), msg(3)], { epoch: 'e1', offset: 3 });
  s.addOutgoing('', 'typed while away', 'c1', 0);
  const r = s.applyJoin('', [msg(1, BOB, 'new1')], { recovered: false, epoch: 'e2', offset: 1 });
  assert.equal(r.reset, true);
  assert.deepEqual(s.open.messages.map((m) => m.UUID), ['new1']);
  assert.deepEqual(s.positionFor(''), { since: 1, epoch: 'e2' });
  assert.deepEqual(s.pending('').map((o) => o.clientID), ['c1'], 'the unsent message stays');
});

test('a reply of another epoch replaces what is held even if it says recovered', () => {
  const log = joined(1, 3);
  const r = log.join([msg(1, BOB, 'x1')], { recovered: true, epoch: 'e9', offset: 1 });
  assert.equal(r.reset, true);
  assert.deepEqual(offsets(log), [1]);
  assert.equal(log.epoch, 'e9');
});

test('an older server: no epoch, no offset; the position follows the messages', () => {
  const log = new ChannelLog('');
  log.join([msg(7), msg(8)], {});
  assert.equal(log.epoch, '');
  assert.equal(log.position, 8);
  log.join([msg(9)], { recovered: true });
  assert.equal(log.position, 9);
  log.join([msg(20)], {});
  assert.deepEqual(offsets(log), [20], 'no recovered flag: the latest page');
});

test('live messages: next is added, a skip is a gap, at or below is a duplicate', () => {
  const log = joined(1, 3);
  assert.equal(log.accept(msg(4)), 'added');
  assert.equal(log.accept(msg(4)), 'duplicate', 'the same offset again');
  assert.equal(log.accept(msg(2)), 'duplicate', 'an old one');
  assert.equal(log.accept(msg(6)), 'gap', 'offset 5 is missing');
  assert.deepEqual(offsets(log), [1, 2, 3, 4], 'the message past the gap waits for the rejoin');
  assert.equal(log.position, 4, 'since stays the last contiguous offset');
});

test('a message stored twice (same UUID, next offset) moves the position but shows once', () => {
  const log = joined(1, 3);
  assert.equal(log.accept(msg(4, BOB, 'm3')), 'duplicate');
  assert.equal(log.position, 4);
  assert.deepEqual(offsets(log), [1, 2, 3]);
  assert.equal(log.accept(msg(5)), 'added', 'no false gap after it');
});

test('another message at an offset held is a conflict: the stream went back', () => {
  const log = joined(1, 3);
  assert.equal(log.accept(msg(3, BOB, 'other')), 'conflict');
  assert.equal(log.accept(msg(3)), 'duplicate', 'the same one is not');
  log.forget();
  assert.equal(log.loaded, false);
  assert.equal(log.position, 0);
  assert.equal(log.epoch, '');
});

test('in a channel not joined here, only the next offset extends the log', () => {
  const s = new ChatState();
  s.setMe(ME, 'Me');
  s.applyJoin('', [msg(1), msg(2)], { epoch: 'e1', offset: 2 });
  assert.equal(s.applyLive(msg(4), null).result, 'duplicate', 'before the join reply: no gap reported');
  assert.equal(s.applyLive(msg(3), null).result, 'added');
  assert.equal(s.applyLive(msg(5), '').result, 'gap', 'joined: 4 is missing');
});

test('merge drops a second copy of a UUID at another offset', () => {
  const r = mergeMessages([msg(1)], [msg(2, BOB, 'm1'), msg(3)]);
  assert.deepEqual(r.list.map((m) => m.Offset), [1, 3]);
});

test('dropping the channels keeps the outbox, and lost messages show in General', () => {
  const s = new ChatState();
  s.setMe(ME, 'Me');
  s.applyJoin('', [msg(1)], { epoch: 'e1', offset: 1 });
  s.addOutgoing('', 'general', 'c1', 0);
  s.dropChannels();
  assert.equal(s.positionFor(''), undefined, 'the next join starts afresh');
  assert.equal(s.outbox.length, 1);
  s.outbox.push({ clientID: 'c2', channel: BOB, text: 'to old Bob', createdAt: '', sentEpoch: 0, sentAt: 0, tries: 0, lost: true, error: 'gone' });
  assert.deepEqual(s.pending('').map((o) => o.clientID), ['c1', 'c2'], 'its channel is gone: shown in General');
  s.upsertUser({ UUID: BOB, Username: 'Bob', OnLine: true });
  assert.deepEqual(s.pending('').map((o) => o.clientID), ['c1']);
  assert.deepEqual(s.pending(BOB).map((o) => o.clientID), ['c2']);
});
