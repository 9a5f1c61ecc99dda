// @ts-check
// What the message list shows, as data: day dividers, the "New since you
// left" divider after the read position, messages grouped by sender (the
// time written once per group, at its first message; the others show
// theirs on hover or focus), and how many messages arrived below a reader
// who is reading older ones (the "new messages" button). Pure: no DOM.

import { dayKey, dayLabel } from './format.js';

/** Messages of one sender closer than this are grouped. */
export const GROUP_MS = 5 * 60 * 1000;

/**
 * A message as the list shows it.
 * @typedef {object} Row
 * @property {string} key stable across renders (an own message keeps it from "sending" to stored)
 * @property {string} sender the sender's UUID
 * @property {Date} at
 * @property {number} [offset] a stored message's, 0 or absent for one not stored
 */

/**
 * @template {Row} R
 * @typedef {{kind: 'day', key: string, label: string, at: Date} | {kind: 'new', key: string} | {kind: 'msg', key: string, row: R, cont: boolean, showTime: boolean}} Entry
 *   cont: the same sender as the message above, within GROUP_MS, on the
 *   same day; showTime: the time is written (the group's first message)
 */

/**
 * layout lays out rows (in order) as the list shows them: a day divider
 * before each day's first message, the "new" divider before the first
 * stored message after the read position newAfter (none for 0), and each
 * message marked as the start of a group or its continuation (a divider
 * starts a group).
 * @template {Row} R
 * @param {R[]} rows
 * @param {Date} now for the days' labels (Today, Yesterday)
 * @param {number} [newAfter] the read position the "new" divider follows
 * @returns {Entry<R>[]}
 */
export function layout(rows, now, newAfter = 0) {
  let divider = newAfter > 0;
  /** @type {Entry<R>[]} */
  const out = [];
  const days = new Set();
  /** @type {R | null} the message above, for grouping */
  let prev = null;
  let lastDay = '';
  for (const r of rows) {
    const day = dayKey(r.at);
    if (day !== lastDay) {
      lastDay = day;
      // A pending message has the local clock's time, which may fall
      // before the last stored one's day: keys must stay unique.
      let key = 'd:' + day;
      while (days.has(key)) key += '+';
      days.add(key);
      out.push({ kind: 'day', key, label: dayLabel(r.at, now), at: r.at });
      prev = null;
    }
    if (divider && (r.offset ?? 0) > newAfter) {
      out.push({ kind: 'new', key: 'new' });
      divider = false;
      prev = null;
    }
    const cont = !!prev && prev.sender === r.sender && r.at.getTime() - prev.at.getTime() < GROUP_MS;
    out.push({ kind: 'msg', key: r.key, row: r, cont, showTime: !cont });
    prev = r;
  }
  return out;
}

/**
 * countArrived counts the messages that arrived below what the list showed
 * before: keys of after that before lacks, after before's first message
 * (older history added above is not news). 0 when before was empty or its
 * first message is gone (the channel was replaced: nothing to compare).
 * @param {string[]} before the messages' keys shown before, in order
 * @param {string[]} after the messages' keys shown now, in order
 * @returns {number}
 */
export function countArrived(before, after) {
  if (before.length === 0) return 0;
  const from = after.indexOf(before[0]);
  if (from < 0) return 0;
  const had = new Set(before);
  let n = 0;
  for (let i = from + 1; i < after.length; i++) if (!had.has(after[i])) n++;
  return n;
}

/**
 * jumpText is the label of the button that jumps to the newest messages.
 * @param {number} n how many arrived since the reader scrolled up
 * @returns {string}
 */
export function jumpText(n) {
  if (n <= 0) return 'New messages ↓';
  return `${n > 99 ? '99+' : n} new ${n === 1 ? 'message' : 'messages'} ↓`;
}
