// @ts-check
// The sign-in form's request, which session.js sends when the socket is
// open: what goes out for it, and what a drop and then a 409 mean.
//
// Sign in never creates an account, whatever the server's rule for unknown
// names (SIGNIN_CREATES_USERS): it sends signIn with create: false, so a
// mistyped name is an error; Create account sends signUp. A signUp sent
// before a drop may have created the account: it is sent again, and a 409
// for the resent one is tried as a sign-in with the same password; should
// that fail with 401, the name is someone else's, and the form says taken.

/** @typedef {import('./views/auth.js').AuthAction} AuthAction */
/** @typedef {import('./storage.js').Session} Session */
/**
 * The form's request: a sign-in or sign-up with a password, or resume, which
 * continues the last session with its access key. sent is set once it went
 * out; resent when a signUp went out again after a drop; taken when a
 * resent signUp was answered 409 and is being tried as a sign-in.
 * @typedef {{action: AuthAction, username: string, password: string, sent?: boolean, resent?: boolean, taken?: boolean}
 *   | {action: 'resume', session: Session, sent?: boolean}} PendingAuth
 */

/**
 * authRequest returns the request to send for a, and marks it sent.
 * @param {PendingAuth} a
 * @returns {{type: string, payload: object}}
 */
export function authRequest(a) {
  if (a.action === 'resume') {
    a.sent = true;
    return { type: 'signIn', payload: { accessKey: a.session.accessKey } };
  }
  if (a.sent && a.action === 'signUp') a.resent = true;
  a.sent = true;
  /** @type {{username: string, password: string, create?: boolean}} */
  const payload = { username: a.username, password: a.password };
  if (a.action === 'signIn') payload.create = false;
  return { type: a.action, payload };
}

/**
 * retryAsSignIn turns a resent signUp answered 409 into a sign-in with the
 * same password, to send next; false for every other error, which ends a.
 * @param {PendingAuth | null} a
 * @param {number} code
 */
export function retryAsSignIn(a, code) {
  if (!a || a.action !== 'signUp' || !a.resent || code !== 409) return false;
  a.action = 'signIn';
  a.taken = true;
  return true;
}

/**
 * shownCode is the code whose text the form shows for an error ending a:
 * the 401 of a sign-in tried after a 409 means the name is taken.
 * @param {PendingAuth | null} a
 * @param {number} code
 */
export function shownCode(a, code) {
  return a && a.action !== 'resume' && a.taken && code === 401 ? 409 : code;
}
