// @ts-check
// Unread counts and the "New since you left" divider as data (unread.js,
// timeline.js): counts from the channels reply, moved on by live messages,
// notify and read positions from other devices, never backwards; the
// divider after the read position; the badge and the title.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layout } from '../js/timeline.js';
import { ReadPositions, badgeText, titleText } from '../js/unread.js';

const BOB = 'bbbbbbbb-0000-4000-8000-000000000002';
const CAROL = 'cccccccc-0000-4000-8000-000000000003';

/** @param {number} general @param {number} generalRead @param {number} bob @param {number} bobRead */
function channels(general, generalRead, bob, bobRead) {
  return [
    { recipientUUID: '', lastOffset: general, readOffset: generalRead },
    { recipientUUID: BOB, lastOffset: bob, readOffset: bobRead },
  ];
}

test('counts are the last offset minus the read position, General included', () => {
  const r = new ReadPositions();
  assert.deepEqual(r.fromChannels(channels(10, 7, 4, 0)), []);
  assert.equal(r.count(''), 3);
  assert.equal(r.count(BOB), 4);
  assert.equal(r.count(CAROL), 0, 'a channel not listed');
  assert.equal(r.total(), 7);
  assert.equal(r.known, true);
});

test('live messages and notify add, own messages do not, reads of other devices take away', () => {
  const r = new ReadPositions();
  r.fromChannels(channels(10, 10, 4, 4));
  r.arrived('', 11);
  r.arrived('', 12);
  r.arrived(BOB, 5);
  assert.deepEqual([r.count(''), r.count(BOB)], [2, 1]);
  r.arrived('', 13, true);
  assert.equal(r.count(''), 0, 'whoever writes has read what came before');
  r.arrived(BOB, 6);
  r.arrived(BOB, 7);
  r.told(BOB, 6);
  assert.equal(r.count(BOB), 1, 'read up to 6 on the phone');
  r.told(BOB, 3);
  assert.equal(r.count(BOB), 1, 'an older position changes nothing');
  r.told(BOB, 7);
  assert.equal(r.count(BOB), 0);
  r.arrived(BOB, 2);
  assert.equal(r.count(BOB), 0, 'a late, older offset is no news');
});

test('a channels reply after live news moves nothing back', () => {
  const r = new ReadPositions();
  r.arrived('', 12);
  r.told('', 11);
  r.fromChannels(channels(10, 9, 0, 0));
  assert.equal(r.count(''), 1, 'last 12, read 11: the reply was older');
});

test('seen moves the position forward only; a channels reply lists what the server lacks', () => {
  const r = new ReadPositions();
  r.fromChannels(channels(10, 5, 0, 0));
  assert.equal(r.saw('', 8), true);
  assert.equal(r.count(''), 2);
  assert.equal(r.at('').due, true);
  assert.equal(r.saw('', 6), false, 'backwards: nothing');
  assert.equal(r.saw('', 8), false);
  assert.equal(r.at('').seen, 8);
  r.at('').sent = 8;
  assert.equal(r.at('').due, false);
  // A reconnection: the server has 5 still (the channelRead was lost).
  assert.deepEqual(r.fromChannels(channels(10, 5, 0, 0)), [''], 'to send again');
  assert.deepEqual(r.fromChannels(channels(10, 8, 0, 0)), [], 'stored');
});

test('the badge and the title', () => {
  assert.equal(badgeText(3), '3');
  assert.equal(badgeText(100), '99+');
  assert.equal(titleText(0, 'General'), 'General · Chat');
  assert.equal(titleText(3, 'General'), '(3) General · Chat');
  assert.equal(titleText(250, 'Bob'), '(99+) Bob · Chat');
});

test('the divider: after the read position of a channel opened with unread messages, once the read position is known', () => {
  const r = new ReadPositions();
  r.opened('');
  assert.equal(r.dividerFor(''), 0, 'not decided before the channels reply');
  r.fromChannels(channels(10, 7, 4, 0));
  assert.equal(r.dividerFor(''), 7);
  r.saw('', 10);
  assert.equal(r.dividerFor(''), 7, 'kept while the channel stays open, after reading');
  r.opened('');
  assert.equal(r.dividerFor(''), 7, 'a rejoin of the same channel keeps it');
  r.opened(BOB);
  assert.equal(r.dividerFor(BOB), 0, 'never read: all of it is new, no divider');
  assert.equal(r.dividerFor(''), 0, 'gone from the channel left');
  r.opened('');
  assert.equal(r.dividerFor(''), 0, 'opened again with nothing unread: none');
});

test('the divider: seen before the channels reply decides it first', () => {
  const r = new ReadPositions();
  r.told('', 3);
  r.arrived('', 6);
  r.opened('');
  r.saw('', 6);
  assert.equal(r.dividerFor(''), 3);
});

test('the divider: messages that came while the person looked away get it on their return', () => {
  const r = new ReadPositions();
  r.fromChannels(channels(10, 10, 0, 0));
  r.opened('');
  assert.equal(r.dividerFor(''), 0);
  r.returned();
  assert.equal(r.dividerFor(''), 0, 'not away: nothing');
  r.away();
  r.arrived('', 11);
  r.arrived('', 12);
  const placed = r.divider.placed;
  r.returned();
  assert.equal(r.dividerFor(''), 10);
  assert.equal(r.divider.placed, placed + 1, 'placed anew: the view scrolls to it');
  r.saw('', 12);
  r.away();
  r.returned();
  assert.equal(r.dividerFor(''), 10, 'nothing new meanwhile: it stays');
  r.away();
  r.arrived('', 13);
  r.returned();
  assert.equal(r.dividerFor(''), 12, 'moved to where they left');
});

test('layout puts the divider after the message at the read position, and starts a group there', () => {
  const at = new Date(2025, 0, 10, 10, 0);
  const rows = [1, 2, 3, 4].map((o) => ({ key: 'm' + o, sender: 'bob', at, offset: o }));
  rows.push({ key: 'c:x', sender: 'me', at, offset: 0 });
  const shape = (/** @type {number} */ n) => layout(rows, at, n).map((e) => e.kind === 'msg' ? e.key + (e.cont ? '' : '+') : e.kind);
  assert.deepEqual(shape(2), ['day', 'm1+', 'm2', 'new', 'm3+', 'm4', 'c:x+']);
  assert.deepEqual(shape(0), ['day', 'm1+', 'm2', 'm3', 'm4', 'c:x+'], 'none');
  assert.deepEqual(shape(4), ['day', 'm1+', 'm2', 'm3', 'm4', 'c:x+'], 'nothing stored after it: an own unsent message is no news');
  const later = rows.slice(2);
  assert.deepEqual(layout(later, at, 1).map((e) => e.kind)[1], 'new', 'its message not loaded: above the first loaded');
  const days = [{ key: 'a', sender: 'bob', at: new Date(2025, 0, 9, 10), offset: 1 }, { key: 'b', sender: 'bob', at, offset: 2 }];
  assert.deepEqual(layout(days, at, 1).map((e) => e.kind), ['day', 'msg', 'day', 'new', 'msg'], 'one day divider per day');
});
