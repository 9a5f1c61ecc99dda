// @ts-check
// The sys pushes that tell the client about other users: presence (one
// change, or a presenceBatch the server gathered) and joins and leaves of
// the open channel (one, or a channelMembers batch).

/** @typedef {import('./state.js').ChatState} ChatState */

/**
 * applyUserPush records what a sys push says of users.
 * @param {ChatState} state
 * @param {any} p the sys payload
 */
export function applyUserPush(state, p) {
  /** @type {any[]} */
  let users = [];
  let presence = false;
  switch (p.type) {
    case 'presence':
      users = [p.presence];
      presence = true;
      break;
    case 'presenceBatch':
      users = Array.isArray(p.presenceBatch) ? p.presenceBatch : [];
      presence = true;
      break;
    case 'channelJoin':
    case 'channelLeave':
      users = [p.user];
      break;
    case 'channelMembers':
      users = [...(p.channelMembers?.joined ?? []), ...(p.channelMembers?.left ?? [])];
      break;
  }
  for (const u of users) {
    if (u?.UUID) state.upsertUser(u, presence);
  }
}
