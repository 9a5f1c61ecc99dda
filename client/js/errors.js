// @ts-check
// Error frames, routed to the part they concern: by clientID to the message
// it names (outbox.js), else by the request it names (the sign-in, the join,
// a send from an older server, a history page), else as a note; a 429 asks
// again for what matters, a 401 signs the connection in again.

import { errorText } from './protocol.js';

/** @typedef {import('./app.js').ChatApp} ChatApp */

/**
 * routeError routes an error frame: by its clientID to the message it
 * concerns, else by the request it names, else as a note.
 * @param {ChatApp} app
 * @param {any} p the error payload: code, message, request, clientID
 */
export function routeError(app, p) {
  const code = Number(p.code) || 0;
  const text = String(p.message || p.error || '');
  if (typeof p.clientID === 'string' && p.clientID) {
    app.outbox.onErrorFor(p.clientID, code, text);
    return;
  }
  switch (p.request) {
    case 'signIn':
    case 'signUp':
      app.auth.onAuthError(code, text);
      return;
    case 'channelJoin':
      app.sync.onJoinError(code, text);
      return;
    case 'channelMessage':
      app.outbox.onError(code, text);
      return;
    case 'channelHistory':
      app.sync.onHistoryError(code, text);
      return;
    case 'typing':
      return;
    default:
      if (code === 429) {
        app.sync.onThrottled();
        app.views.chat.toast(errorText(code, text));
      } else if (code === 401 && app.auth.session && app.socket.state === 'open') {
        app.auth.resume();
      } else {
        app.views.chat.toast(errorText(code, text));
      }
  }
}
