// @ts-check
// Desktop notifications, opt-in: off until the person turns them on (the
// browser's permission is asked then, never before), kept on in this
// browser once allowed, and shown only for messages from others while the
// tab is hidden. A click brings the tab back on that channel. The browser's
// parts (Notification, document, window.focus) are passed in, so the rules
// run in tests.

import { GENERAL } from './protocol.js';
import * as storage from './storage.js';

/** @typedef {import('./protocol.js').Message} Message */

/**
 * @typedef {object} NotifyEnv
 * @property {any} [Notification] the browser's Notification constructor; absent where there is none
 * @property {{hidden: boolean}} document
 * @property {() => void} focus brings the tab to the front
 */

/**
 * A message to tell of.
 * @typedef {object} News
 * @property {string} channel the channel's key (GENERAL, or the other user's UUID)
 * @property {string} sender the sender's name
 * @property {boolean} general the message is in General
 * @property {boolean} own the signed-in user sent it (from another tab or device)
 * @property {string} text
 */

/** Characters of a message shown in its notification. */
export const BODY_MAX = 140;

/**
 * shouldNotify: a notification is shown when the person turned them on, the
 * browser allows them, the tab is hidden and someone else wrote.
 * @param {{on: boolean, permission: string, hidden: boolean, own: boolean}} s
 */
export function shouldNotify(s) {
  return s.on && s.permission === 'granted' && s.hidden && !s.own;
}

/**
 * newsOf describes a message of a channel for a notification.
 * @param {string} channel
 * @param {Message} m
 * @param {{me: {UUID: string} | null, users: Map<string, {Username: string}>}} state
 * @returns {News}
 */
export function newsOf(channel, m, state) {
  return {
    channel,
    sender: m.Sender?.Username || state.users.get(m.SenderUUID)?.Username || 'Someone',
    general: channel === GENERAL,
    own: m.SenderUUID === state.me?.UUID,
    text: String(m.Message ?? ''),
  };
}

/**
 * notificationText is a notification's title and body for a message.
 * @param {Pick<News, 'sender' | 'general' | 'text'>} n
 * @returns {{title: string, body: string}}
 */
export function notificationText(n) {
  const chars = Array.from(n.text.trim());
  const body = chars.length > BODY_MAX ? chars.slice(0, BODY_MAX - 1).join('').trimEnd() + '…' : chars.join('');
  return { title: n.general ? `${n.sender} in General` : n.sender, body };
}

export class DesktopNotifier {
  /** @param {NotifyEnv} env */
  constructor(env) {
    this.env = env;
    /** turned on, and allowed by the browser */
    this.on = storage.loadNotifications() && this.permission === 'granted';
    /** why they are off although the person asked for them, '' otherwise */
    this.note = '';
  }

  /** the browser can show notifications */
  get supported() {
    return typeof this.env.Notification === 'function';
  }

  /** the browser's permission: granted, denied, default, or unsupported */
  get permission() {
    return this.supported ? String(this.env.Notification.permission) : 'unsupported';
  }

  /**
   * setOn: the person turned notifications on or off. Turning them on asks
   * the browser's permission when it was never asked.
   * @param {boolean} on
   * @returns {Promise<boolean>} whether they are on now
   */
  async setOn(on) {
    this.note = '';
    if (!on) {
      this.on = false;
      storage.saveNotifications(false);
      return false;
    }
    if (!this.supported) {
      this.on = false;
      this.note = 'This browser cannot show notifications.';
      return false;
    }
    let p = this.permission;
    if (p === 'default') {
      try {
        p = String(await this.env.Notification.requestPermission());
      } catch {
        p = this.permission;
      }
    }
    this.on = p === 'granted';
    storage.saveNotifications(this.on);
    if (p === 'denied') this.note = 'Notifications are blocked for this site: allow them in the browser’s site settings.';
    else if (!this.on) this.note = 'Notifications were not allowed.';
    return this.on;
  }

  /**
   * message tells of a message when shouldNotify says so.
   * @param {News} n
   * @param {(channel: string) => void} onOpen opens the channel (a click)
   * @returns {boolean} a notification was shown
   */
  message(n, onOpen) {
    if (!shouldNotify({ on: this.on, permission: this.permission, hidden: this.env.document.hidden, own: n.own })) return false;
    const { title, body } = notificationText(n);
    try {
      // One per channel: a burst replaces the last one instead of piling up.
      const shown = new this.env.Notification(title, { body, tag: 'chat:' + n.channel });
      shown.onclick = () => {
        this.env.focus();
        onOpen(n.channel);
        shown.close();
      };
      return true;
    } catch {
      return false; // some browsers allow notifications only from a service worker
    }
  }
}
