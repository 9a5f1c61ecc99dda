// @ts-check
// The message list as data: day dividers, the time written once per group
// of one sender's consecutive messages, and the count of messages that
// arrived below a reader who scrolled up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_MS, countArrived, jumpText, layout } from '../js/timeline.js';

const now = new Date(2025, 0, 10, 12, 0);

/** row makes a message of sender at minutes after 10:00 on day (of January 2025). */
function row(/** @type {string} */ key, /** @type {string} */ sender, /** @type {number} */ minutes, day = 10) {
  return { key, sender, at: new Date(2025, 0, day, 10, minutes) };
}

/** shape lists each entry as 'day:<label>', '<key>+time' or '<key>' (time on hover). */
function shape(/** @type {ReturnType<typeof layout>} */ entries) {
  return entries.map((e) => (e.kind === 'day' ? 'day:' + e.label : e.key + (e.kind === 'msg' && e.showTime ? '+time' : '')));
}

test('the time is written once per group of one sender, at its first message', () => {
  const rows = [row('a1', 'alice', 0), row('a2', 'alice', 1), row('a3', 'alice', 4), row('b1', 'bob', 5), row('a4', 'alice', 6), row('a5', 'alice', 6)];
  assert.deepEqual(shape(layout(rows, now)), ['day:Today', 'a1+time', 'a2', 'a3', 'b1+time', 'a4+time', 'a5']);
  const cont = layout(rows, now).flatMap((e) => (e.kind === 'msg' ? [e.cont] : []));
  assert.deepEqual(cont, [false, true, true, false, false, true], 'the others continue the group');
});

test('a pause of five minutes or a new day starts a new group', () => {
  const rows = [row('a1', 'alice', 0), { key: 'a2', sender: 'alice', at: new Date(2025, 0, 10, 10, 0, GROUP_MS / 1000) }, row('a3', 'alice', 9)];
  assert.deepEqual(shape(layout(rows, now)), ['day:Today', 'a1+time', 'a2+time', 'a3']);
  const days = [row('y1', 'alice', 0, 9), row('t1', 'alice', 1, 10), row('t2', 'alice', 2, 10)];
  assert.deepEqual(shape(layout(days, now)), ['day:Yesterday', 'y1+time', 'day:Today', 't1+time', 't2']);
});

test('day keys stay unique when a pending message falls before the last day', () => {
  const rows = [row('x', 'me', 0, 9), row('y', 'me', 0, 10), row('p', 'me', 0, 9)];
  const keys = layout(rows, now).map((e) => e.key);
  assert.equal(new Set(keys).size, keys.length);
});

test('the new messages button counts what arrived below, not history above', () => {
  assert.equal(countArrived(['m:5', 'm:6'], ['m:5', 'm:6', 'm:7', 'm:8']), 2, 'two new at the bottom');
  assert.equal(countArrived(['m:5', 'm:6'], ['m:3', 'm:4', 'm:5', 'm:6']), 0, 'older history added above');
  assert.equal(countArrived(['m:5', 'c:x'], ['m:5', 'm:6', 'c:x']), 1, 'a message stored before our pending one');
  assert.equal(countArrived(['m:5', 'c:x'], ['m:5', 'c:x']), 0, 'our pending message stored: the same key');
  assert.equal(countArrived([], ['m:1']), 0, 'nothing shown before');
  assert.equal(countArrived(['m:5'], ['m:9', 'm:10']), 0, 'the channel replaced');
});

test('the button says how many', () => {
  assert.equal(jumpText(1), '1 new message ↓');
  assert.equal(jumpText(7), '7 new messages ↓');
  assert.equal(jumpText(250), '99+ new messages ↓');
  assert.equal(jumpText(0), 'New messages ↓');
});
