// @ts-check
// Entry point: builds the socket, the views and the app, and wires them.

import { ChatApp } from './app.js';
import { DesktopNotifier } from './notify.js';
import { socketURL } from './protocol.js';
import { ReconnectingSocket } from './socket.js';
import { LAST_SESSION_KEY } from './storage.js';
import { AuthView } from './views/auth.js';
import { ChatView } from './views/chat.js';
import { looking } from './views/seen.js';

/** @type {ChatApp} */
let app;

const socket = new ReconnectingSocket({
  url: socketURL(location),
  onOpen: () => app.onOpen(),
  onMessage: (data) => app.onMessage(data),
  onDown: (info) => app.onDown(info),
});

const auth = new AuthView({
  onSubmit: (action, username, password) => app.submitAuth(action, username, password),
  onContinue: () => app.continueLast(),
});

const chat = new ChatView({
  onOpen: (key) => app.open(key),
  onSend: (text) => app.sendMessage(text),
  onTyping: () => app.typing(),
  onLoadOlder: () => app.loadOlder(),
  onRetry: (id) => app.retry(id),
  onDiscard: (id) => app.discard(id),
  onEdit: (id) => app.edit(id),
  onSeen: (key, offset) => app.seen(key, offset),
  onNotifications: async (on) => {
    await notify.setOn(on);
    app.render();
  },
  onSignOut: () => app.signOut(),
  onRetryConnection: () => app.retryConnection(),
});

const notify = new DesktopNotifier({
  Notification: globalThis.Notification,
  document,
  focus: () => window.focus(),
});

app = new ChatApp(socket, { auth, chat, notify });
app.start();
socket.start();
if (!looking()) app.looking(false); // opened in the background

// Back from a network change or a sleeping tab: do not wait for the backoff.
window.addEventListener('online', () => socket.retryNow());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') socket.retryNow();
  app.looking(looking());
});
// The person looks again (what they see is read, what came meanwhile gets
// the divider), or looks away.
window.addEventListener('focus', () => app.looking(looking()));
window.addEventListener('blur', () => app.looking(false));

// Another tab signed in or out: the form offers the last session as it is now.
window.addEventListener('storage', (ev) => {
  if (ev.key === null || ev.key === LAST_SESSION_KEY) app.refreshOffer();
});
