// The administration screens' calls to the server, in one place, on top of ../api.js. These
// screens work online only: nothing here is kept on the device or queued in the outbox (an
// account change made offline and sent hours later would surprise everyone).
import { request, getJson, postJson, ApiError, NetworkError } from '../api.js';
import { getLang } from '../i18n.js';
import * as sync from '../sync.js';
import { RULES } from '../rules.js';

export { ApiError, NetworkError };

// The API pages its lists; an organisation has far fewer users and messages than this, and the
// screens say when a list was cut.
const PAGE = 200;

// A 401 means the session ended (expired, or the admin disabled themselves elsewhere): the app
// shows the login screen, as it does when a sync finds the same.
async function call(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) sync.status.dispatchEvent(new Event('unauthenticated'));
    throw error;
  }
}

const query = (params) => {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v != null && v !== ''));
  return q.toString() ? `?${q}` : '';
};

export const organisations = () => call('GET', `/api/organisations/${query({ limit: PAGE })}`);
export const changeOrganisation = (id, fields) => call('PATCH', `/api/organisations/${id}`, fields);

export const users = () => call('GET', `/api/users/${query({ limit: PAGE })}`);
export const user = (id) => call('GET', `/api/users/${id}`);
export const createUser = (fields) => call('POST', '/api/users/', fields);
export const changeUser = (id, fields) => call('PATCH', `/api/users/${id}`, fields);
export const setPassword = (id, password) => call('POST', `/api/users/${id}/password`, { password });

export const outbox = (state, channel) => call('GET', `/api/admin/outbox/${query({ state, channel, limit: PAGE })}`);
export const outboxSummary = () => call('GET', '/api/admin/outbox/summary');
export const resend = (id) => call('POST', `/api/admin/outbox/${id}/resend`);

// The server's refusal in the person's language: the Swedish text where the domain gave one.
export function refusal(error) {
  if (error instanceof ApiError) return (getLang() === 'sv' && error.body.message_sv) || error.message;
  return '';
}

// Which roles an organisation's users may hold, from the server's rules document: only to
// offer the boxes that fit; the server decides.
export const rolesFor = (kind) => RULES.roles_by_organisation_kind?.[kind] || [];

export { getJson, postJson };
