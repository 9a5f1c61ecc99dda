// @ts-check
// One entry of the message list as DOM nodes: a day divider, the "New since
// you left" divider, or a message (its sender, its text with links, its
// time, and for one not stored yet its state and what can be done: Retry,
// Edit, Discard). Text goes in as text nodes only; links are <a> elements
// built here.

import { dayKey, timeLabel } from '../format.js';
import { splitLinks } from '../links.js';
import { el, setAvatar } from './dom.js';

/** @typedef {import('../outbox.js').Outgoing} Outgoing */

/**
 * @typedef {object} Row
 * @property {string} key
 * @property {string} sender
 * @property {string} name
 * @property {string} text
 * @property {Date} at
 * @property {boolean} own
 * @property {number} offset
 * @property {Outgoing} [out]
 */

/**
 * outStatus is what an unsent message shows: failed:<reason> (with Retry),
 * failed-edit:<reason> (with Edit: the server refused the text),
 * failed-final:<reason> (Discard only), retrying:<why>, sending or waiting.
 * @param {Outgoing} o
 * @param {boolean} online
 */
export function outStatus(o, online) {
  if (o.error) return (o.editable ? 'failed-edit:' : o.noRetry ? 'failed-final:' : 'failed:') + o.error;
  if (o.retryAt && o.note) return 'retrying:' + o.note;
  return online ? 'sending' : 'waiting';
}

/**
 * @param {Date} at
 * @param {string} label
 */
export function drawDay(at, label) {
  return el('li', { class: 'day', attrs: { 'data-day': dayKey(at) } }, el('span', {}, label));
}

/** The divider's words: where the messages the person has not seen start. */
export const NEW_DIVIDER_TEXT = 'New since you left';

export function drawNew() {
  return el('li', { class: 'new-divider', attrs: { role: 'separator', 'aria-label': NEW_DIVIDER_TEXT } }, el('span', {}, NEW_DIVIDER_TEXT));
}

/**
 * messageText is a message's text as nodes: text, and links for its http
 * and https URLs (opened in a new tab, telling the site nothing of the
 * chat).
 * @param {string} text
 */
function messageText(text) {
  return splitLinks(text).map((s) => s.href
    ? el('a', { attrs: { href: s.href, rel: 'noopener noreferrer', target: '_blank' } }, s.text)
    : s.text);
}

/**
 * @param {Row} r
 * @param {boolean} cont the same sender as the message above
 * @param {boolean} showTime the time is written (the group's first message);
 *   otherwise it shows on hover or focus
 * @param {string} status '' when stored, else one of outStatus
 */
export function drawMessage(r, cont, showTime, status) {
  const classes = ['msg'];
  if (r.own) classes.push('own');
  if (cont) classes.push('cont');
  if (status) classes.push(status.startsWith('failed') ? 'failed' : 'pending');

  let avatar = null;
  if (!r.own) {
    avatar = el('span', { class: 'avatar', attrs: { 'aria-hidden': 'true' } });
    if (cont) avatar.classList.add('spacer');
    else setAvatar(avatar, r.sender, r.name);
  }
  const sender = el('span', { class: cont || r.own ? 'sender visually-hidden' : 'sender' }, r.own ? 'You' : r.name);
  const time = el('time', { attrs: { datetime: r.at.toISOString(), title: r.at.toLocaleString() } }, timeLabel(r.at));
  // A stored message within a group keeps its time aside, shown on hover
  // or focus (a tap focuses it); one that is not stored shows its state.
  const aside = !showTime && !status;
  const meta = el('span', { class: aside ? 'meta aside' : 'meta' }, time);
  if (status === 'sending' || status === 'waiting') {
    meta.append(el('span', { class: 'state' }, status === 'sending' ? ' · Sending…' : ' · Waiting for connection'));
  } else if (status.startsWith('retrying:')) {
    meta.append(el('span', { class: 'state' }, ' · ' + status.slice('retrying:'.length) + '…'));
  }
  const bubble = el('div', { class: 'bubble' }, el('p', { class: 'text' }, ...messageText(r.text)), meta);
  const body = el('div', { class: 'body' }, sender, bubble);
  if (status.startsWith('failed')) {
    const id = r.out?.clientID ?? '';
    const button = (/** @type {string} */ action, /** @type {string} */ label) =>
      el('button', { class: 'link-button', attrs: { type: 'button', 'data-action': action, 'data-client-id': id } }, label);
    const why = status.slice(status.indexOf(':') + 1);
    const failure = el('p', { class: 'failure' }, 'Not sent: ' + why + '. ');
    if (status.startsWith('failed-edit:')) failure.append(button('edit', 'Edit'), ' ');
    else if (!status.startsWith('failed-final:')) failure.append(button('retry', 'Retry'), ' ');
    failure.append(button('discard', 'Discard'));
    body.append(failure);
  }
  /** @type {Record<string, string>} */
  const attrs = { 'data-key': r.key };
  if (r.offset) attrs['data-offset'] = String(r.offset);
  if (r.out) attrs['data-client-id'] = r.out.clientID;
  if (aside) attrs.tabindex = '-1';
  return el('li', { class: classes.join(' '), attrs }, avatar, body);
}
