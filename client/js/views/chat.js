// @ts-check
// The chat screen: sidebar (me, sign out, channels, the desktop
// notifications switch), the open channel's header, messages, typing line
// and composer, the connection banner and the toast. It composes the smaller
// views and renders them from the state. While the connection is down,
// presence (dots, "N online") is dimmed: it is what was last known.

import { GENERAL } from '../protocol.js';
import { typingText } from '../format.js';
import { badgeText, titleText } from '../unread.js';
import { ChannelListView } from './channels.js';
import { ComposerView } from './composer.js';
import { byId, el, setAvatar, setText, show } from './dom.js';
import { MessageListView } from './messages.js';

/** @typedef {import('../state.js').ChatState} ChatState */

/**
 * @typedef {object} ChatHandlers
 * @property {(key: string) => void} onOpen
 * @property {(text: string) => boolean} onSend
 * @property {() => void} onTyping
 * @property {() => void} onLoadOlder
 * @property {(clientID: string) => void} onRetry
 * @property {(clientID: string) => void} onDiscard
 * @property {(clientID: string) => void} onEdit
 * @property {(key: string, offset: number) => void} onSeen the person sees
   the channel's messages up to offset
 * @property {(on: boolean) => Promise<void>} onNotifications settles when
 *   the browser answered
 * @property {() => void} onSignOut
 * @property {() => void} onRetryConnection
 */

/**
 * @typedef {object} Connection
 * @property {boolean} online signed in on an open socket: sends go out now,
 *   and presence is live
 * @property {number} maxMessageLength the longest message the server stores
 * @property {import('../notify.js').DesktopNotifier} [notify]
 */

export class ChatView {
  /** @param {ChatHandlers} handlers */
  constructor(handlers) {
    this.screen = byId('chat-screen');
    this.sidebar = byId('sidebar');
    this.scrim = byId('scrim');
    this.menu = byId('show-channels', HTMLButtonElement);
    this.menuBadge = byId('menu-badge');
    this.meAvatar = byId('me-avatar');
    this.meName = byId('me-name');
    this.title = byId('channel-title');
    this.sub = byId('channel-sub');
    this.channelAvatar = byId('channel-avatar');
    this.typing = byId('typing');
    this.banner = byId('banner');
    this.bannerText = byId('banner-text');
    this.bannerRetry = byId('banner-retry', HTMLButtonElement);
    this.conversation = byId('conversation');
    this.pane = byId('messages-wrap');
    this.notifySetting = byId('notify-setting');
    this.notifyToggle = byId('notify-toggle', HTMLInputElement);
    this.notifyNote = byId('notify-note');
    /** @type {import('../notify.js').DesktopNotifier | undefined} the notifier last rendered */
    this.notifier = undefined;
    /** the person turned the switch and the browser has not answered yet */
    this.notifyPending = false;
    this.toastEl = byId('toast');
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.toastTimer = undefined;

    this.channels = new ChannelListView(byId('channel-list', HTMLUListElement), byId('users-more'), {
      onOpen: (key) => {
        this.setDrawer(false);
        handlers.onOpen(key);
      },
    });
    this.messages = new MessageListView(handlers);
    this.composer = new ComposerView(handlers);
    byId('sign-out').addEventListener('click', () => handlers.onSignOut());
    this.bannerRetry.addEventListener('click', () => handlers.onRetryConnection());
    this.notifyToggle.addEventListener('change', async () => {
      this.notifyPending = true;
      this.notifyToggle.disabled = true;
      try {
        await handlers.onNotifications(this.notifyToggle.checked);
      } finally {
        this.notifyPending = false;
        this.renderNotify(this.notifier);
      }
    });
    this.menu.addEventListener('click', () => this.setDrawer(!this.sidebar.classList.contains('open')));
    this.scrim.addEventListener('click', () => this.setDrawer(false));
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && this.sidebar.classList.contains('open')) {
        this.setDrawer(false);
        this.menu.focus();
      }
    });
  }

  /**
   * setDrawer opens or closes the channel list where it is a drawer (narrow
   * screens).
   * @param {boolean} open
   */
  setDrawer(open) {
    this.sidebar.classList.toggle('open', open);
    show(this.scrim, open);
    this.menu.setAttribute('aria-expanded', String(open));
    if (open) this.sidebar.querySelector('button[aria-current]')?.closest('li')?.querySelector('button')?.focus();
  }

  /**
   * setVisible shows or hides the chat. The connection banner goes with it:
   * above the message pane while the chat shows (in the layout, so it
   * covers no message), at the top of the page otherwise.
   * @param {boolean} visible
   */
  setVisible(visible) {
    show(this.screen, visible);
    if (visible && this.banner.parentElement !== this.conversation) this.conversation.insertBefore(this.banner, this.pane);
    else if (!visible && this.banner.parentElement !== document.body) document.body.prepend(this.banner);
  }

  /**
   * render draws the chat from the state.
   * @param {ChatState} state
   * @param {Connection} conn
   */
  render(state, conn) {
    const now = new Date();
    if (state.me) {
      setText(this.meName, state.me.Username);
      if (this.meName.title !== state.me.Username) this.meName.title = state.me.Username;
      setAvatar(this.meAvatar, state.me.UUID, state.me.Username);
    }
    const stale = !conn.online;
    this.screen.classList.toggle('stale', stale);
    const key = state.current;
    const other = key === GENERAL ? null : state.users.get(key);
    // A private channel restored by a reload before the users reply: no name yet.
    const name = other ? other.Username : key === GENERAL ? 'General' : '…';
    setText(this.title, name);
    if (this.title.title !== name) this.title.title = name;
    setAvatar(this.channelAvatar, key, name);
    if (key !== GENERAL) {
      setText(this.sub, other?.OnLine ? 'Online' : other ? 'Offline' : '');
    } else {
      const online = [...state.users.values()].filter((u) => u.OnLine).length;
      setText(this.sub, `Everyone · ${online} online`);
    }
    this.sub.classList.toggle('online', !!other?.OnLine);
    this.composer.setPlaceholder(`Message ${name}`);
    this.composer.setLimit(conn.maxMessageLength);
    this.renderNotify(conn.notify);

    this.channels.render(state, stale);
    this.messages.render(state, { online: conn.online, now });

    const unread = state.unreadTotal();
    setText(this.menuBadge, badgeText(unread));
    show(this.menuBadge, unread > 0);
    setText(this.typing, typingText(state.typingIn(key, now.getTime())));
    const title = titleText(unread, name);
    if (document.title !== title) document.title = title;
  }

  /**
   * renderNotify shows the desktop notifications switch as the notifier
   * stands (none where the page has no notifier).
   * @param {import('../notify.js').DesktopNotifier} [n]
   */
  renderNotify(n) {
    this.notifier = n;
    show(this.notifySetting, !!n);
    if (!n || this.notifyPending) return;
    this.notifyToggle.checked = n.on;
    this.notifyToggle.disabled = false;
    setText(this.notifyNote, n.note || 'Shown while this tab is hidden, for messages from others.');
    this.notifyNote.classList.toggle('warn', !!n.note);
  }

  /**
   * setBanner shows the connection banner, or hides it for ''.
   * @param {string} text
   * @param {boolean} canRetry offer to retry now
   */
  setBanner(text, canRetry) {
    show(this.banner, !!text);
    if (this.bannerText.textContent !== text) {
      // Why, then what happens: where the line is short (a phone), the
      // cause gives way (an ellipsis) and the countdown stays whole.
      const cut = text.indexOf('. ');
      if (cut < 0) {
        this.bannerText.replaceChildren(el('span', { class: 'banner-action' }, text));
      } else {
        this.bannerText.replaceChildren(
          el('span', { class: 'banner-cause' }, text.slice(0, cut + 1)), ' ',
          el('span', { class: 'banner-action' }, text.slice(cut + 2)));
      }
      this.bannerText.title = text;
    }
    show(this.bannerRetry, canRetry);
  }

  /**
   * toast shows a short note for a few seconds.
   * @param {string} text
   */
  toast(text) {
    setText(this.toastEl, text);
    show(this.toastEl, true);
    // Just above the composer, however tall its text made it.
    const top = this.composer.form.getBoundingClientRect().top;
    if (!this.screen.hidden && top > 0) this.toastEl.style.bottom = `${Math.max(16, window.innerHeight - top + 12)}px`;
    else this.toastEl.style.removeProperty('bottom');
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => show(this.toastEl, false), 5000);
  }
}
