// @ts-check
// The chat screen: sidebar (me, sign out, channels), the open channel's
// header, messages, typing line and composer, the connection banner and the
// toast. It composes the smaller views and renders them from the state.

import { GENERAL } from '../protocol.js';
import { typingText } from '../format.js';
import { ChannelListView } from './channels.js';
import { ComposerView } from './composer.js';
import { byId, setAvatar, setText, show } from './dom.js';
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
 * @property {() => void} onSignOut
 * @property {() => void} onRetryConnection
 */

/**
 * @typedef {object} Connection
 * @property {boolean} online signed in on an open socket: sends go out now
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

  /** @param {boolean} visible */
  setVisible(visible) {
    show(this.screen, visible);
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
      setAvatar(this.meAvatar, state.me.UUID, state.me.Username);
    }
    const key = state.current;
    const other = key === GENERAL ? null : state.users.get(key);
    const name = other ? other.Username : 'General';
    setText(this.title, name);
    setAvatar(this.channelAvatar, key, name);
    if (other) {
      setText(this.sub, other.OnLine ? 'Online' : 'Offline');
    } else {
      const online = [...state.users.values()].filter((u) => u.OnLine).length;
      setText(this.sub, `Everyone · ${online} online`);
    }
    this.sub.classList.toggle('online', !!other?.OnLine);
    this.composer.setPlaceholder(`Message ${other ? other.Username : 'General'}`);

    this.channels.render(state);
    this.messages.render(state, { online: conn.online, now });

    const elsewhere = state.unreadTotal();
    setText(this.menuBadge, elsewhere > 99 ? '99+' : String(elsewhere));
    show(this.menuBadge, elsewhere > 0);
    setText(this.typing, typingText(state.typingIn(key, now.getTime())));
    document.title = elsewhere > 0 ? `(${elsewhere}) ${name} · Chat` : `${name} · Chat`;
  }

  /**
   * setBanner shows the connection banner, or hides it for ''.
   * @param {string} text
   * @param {boolean} canRetry offer to retry now
   */
  setBanner(text, canRetry) {
    show(this.banner, !!text);
    setText(this.bannerText, text);
    show(this.bannerRetry, canRetry);
  }

  /**
   * toast shows a short note for a few seconds.
   * @param {string} text
   */
  toast(text) {
    setText(this.toastEl, text);
    show(this.toastEl, true);
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => show(this.toastEl, false), 5000);
  }
}
