// Who is logged in. The user and the CSRF token are kept in IndexedDB so the app opens
// offline; online, /api/auth/me refreshes them (and says when the session has ended).
import { getJson, postJson, setCsrf, ApiError } from './api.js';
import { clearAll } from './db.js';
import * as store from './store.js';

// The person of the last session, at once (the app opens offline and without waiting for the
// network); the server's answer follows in the background and `onEnded` runs if the session is
// over. With nobody kept, the server is asked first (a cookie may exist from before).
export async function restore(onEnded = () => {}) {
  const kept = await store.meta('user');
  const asked = refresh().then((user) => {
    if (user === null && kept) onEnded();
    return user;
  });
  return kept || asked;
}

async function refresh() {
  try {
    const me = await getJson('/api/auth/me');
    await store.setMeta('user', me.user);
    if (me.csrf_token) await setCsrf(me.csrf_token);
    return me.user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    return undefined; // offline or the server is down: nothing learnt
  }
}

export async function login(username, password) {
  const answer = await postJson('/api/auth/login', { username, password });
  const previous = await store.meta('user');
  if (previous && previous.id !== answer.user.id) {
    // Another person's data must not stay on a shared phone; but their unsent changes must
    // not be lost either: refuse to switch until they are synced.
    if (await store.pendingCount()) {
      await setCsrf(answer.csrf_token);
      await postJson('/api/auth/logout').catch(() => {});
      throw new Error('other_user_pending');
    }
    await clearAll();
  }
  await store.setMeta('user', answer.user);
  await setCsrf(answer.csrf_token);
  return answer.user;
}

export async function logout() {
  try { await postJson('/api/auth/logout'); } catch { /* offline: the cookie expires anyway */ }
  await clearAll();
}
