// @ts-check
// The channel list: General first, then one entry per other user with an
// online dot and an unread count. Entries are kept by key across renders,
// so focus and hover survive updates. Names too long for the list are cut
// with an ellipsis (the whole name is the button's title).

import { GENERAL } from '../protocol.js';
import { badgeText } from '../unread.js';
import { el, setAvatar, setText, show } from './dom.js';

/** @typedef {import('../state.js').ChatState} ChatState */

/**
 * @typedef {object} Entry
 * @property {HTMLLIElement} li
 * @property {HTMLButtonElement} button
 * @property {HTMLElement} avatar
 * @property {HTMLElement} dot
 * @property {HTMLElement} name
 * @property {HTMLElement} presence
 * @property {HTMLElement} badge
 */

export class ChannelListView {
  /**
   * @param {HTMLUListElement} list
   * @param {HTMLElement} more the note about users left out
   * @param {{onOpen: (key: string) => void}} handlers
   */
  constructor(list, more, handlers) {
    this.list = list;
    this.more = more;
    /** @type {Map<string, Entry>} */
    this.entries = new Map();
    list.addEventListener('click', (ev) => {
      const b = /** @type {Element} */ (ev.target).closest('button[data-channel]');
      if (b instanceof HTMLButtonElement) handlers.onOpen(b.dataset.channel ?? GENERAL);
    });
  }

  /**
   * @param {string} key
   * @returns {Entry}
   */
  entry(key) {
    let e = this.entries.get(key);
    if (e) return e;
    const dot = el('span', { class: 'dot', attrs: { 'aria-hidden': 'true' } });
    const avatar = el('span', { class: 'avatar', attrs: { 'aria-hidden': 'true' } }, dot);
    const name = el('span', { class: 'chan-name' });
    const presence = el('span', { class: 'visually-hidden' });
    const badge = el('span', { class: 'badge' });
    const button = /** @type {HTMLButtonElement} */ (el('button', {
      class: 'chan',
      attrs: { type: 'button', 'data-channel': key },
    }, avatar, name, presence, badge));
    const li = /** @type {HTMLLIElement} */ (el('li', {}, button));
    e = { li, button, avatar, dot, name, presence, badge };
    this.entries.set(key, e);
    return e;
  }

  /**
   * @param {ChatState} state
   * @param {boolean} [stale] the connection is down: presence is what was last known
   */
  render(state, stale = false) {
    const rows = [{ key: GENERAL, name: 'General', online: null },
      ...state.people().map((u) => ({ key: u.UUID, name: u.Username, online: u.OnLine }))];
    const keep = new Set(rows.map((r) => r.key));
    for (const [key, e] of this.entries) {
      if (!keep.has(key)) {
        e.li.remove();
        this.entries.delete(key);
      }
    }
    const focused = document.activeElement;
    rows.forEach((r, i) => {
      const e = this.entry(r.key);
      const unread = state.reads.count(r.key);
      setAvatar(e.avatar, r.key, r.name);
      setText(e.name, r.name);
      e.button.dataset.name = r.name;
      if (e.button.title !== r.name) e.button.title = r.name;
      e.dot.hidden = r.online === null;
      e.dot.classList.toggle('online', !!r.online);
      setText(e.presence, r.online === null ? '' : r.online ? (stale ? ', last seen online' : ', online') : ', offline');
      setText(e.badge, badgeText(unread));
      show(e.badge, unread > 0);
      e.badge.setAttribute('aria-label', `${unread} unread`);
      e.button.classList.toggle('has-unread', unread > 0);
      if (r.key === state.current) e.button.setAttribute('aria-current', 'page');
      else e.button.removeAttribute('aria-current');
      if (this.list.children[i] !== e.li) this.list.insertBefore(e.li, this.list.children[i] ?? null);
    });
    if (focused instanceof HTMLElement && focused !== document.activeElement && this.list.contains(focused)) {
      focused.focus();
    }
    const left = state.usersTotal - state.users.size;
    show(this.more, left > 0);
    setText(this.more, left > 0 ? `${left} more ${left === 1 ? 'user is' : 'users are'} not listed.` : '');
  }
}
