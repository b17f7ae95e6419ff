// Pieces the desk's booking screens share (issue 12, seed 002): what a lock answered, why an
// order could not be locked, a resident's reply, the channel's name. Wording only: every call
// is in desk/api.js.
import { t, tOr, getLang, fmtDateTime } from '../i18n.js';
import { html } from '../ui.js';

export const CHANNELS = ['letter', 'sms'];

// A count in words: `key.one` for one where the language has it ("1 brev skapat"), else `key`.
export function tCount(key, n, params = {}) {
  const one = n === 1 ? tOr(`${key}.one`, null, { n, ...params }) : null;
  return one ?? t(key, { n, ...params });
}
export const channelLabel = (channel) => (channel ? tOr(`booking.channel.${channel}`, channel) : t('booking.channel.unknown'));

// What an order lacks before it can be locked, in words ("gatuadress, postnummer"); the
// server's own sentence when it named nothing (another reason, e.g. the status changed).
export function refusalText(r) {
  if (r.missing?.length) {
    return t('booking.refused.missing', { what: r.missing.map((m) => tOr(`booking.missing.${m}`, m)).join(', ') });
  }
  return (getLang() === 'sv' && r.message_sv) || r.message || r.code || '';
}

// The answer of POST /api/booking/lock: how many got a code, and each refused order with
// what it lacks (a link to its panel, where the planner fills it in or asks for it).
export function lockResult(result, { headingId = 'lock-result-h' } = {}) {
  const locked = result.locked || [];
  const refused = result.refused || [];
  return html`<div class="lock-result ${refused.length ? 'with-refusals' : ''}" data-testid="lock-result" tabindex="-1" aria-labelledby="${headingId}">
    <h2 id="${headingId}">${t('booking.lock.result_title')}</h2>
    <p data-testid="lock-locked" data-count="${locked.length}">${locked.length
      ? tCount('booking.lock.locked', locked.length) : t('booking.lock.none_locked')}
      ${locked.length ? html` <a href="/desk/letters">${t('booking.lock.to_tray')}</a>` : ''}</p>
    ${refused.length ? html`<h3>${t('booking.lock.refused_title', { n: refused.length })}</h3>
      <ul class="refused-list" data-testid="lock-refused">${refused.map((r) => html`<li data-reference="${r.reference}">
        <a href="/desk/orders/${r.order_id}">${r.reference}</a>: ${refusalText(r)}</li>`)}</ul>` : ''}
  </div>`;
}

// One reply of a resident (SMS or the reply page), as the planner reads it. `canMarkRead`
// offers "Markera som läst" while it is not.
export function replyItem(r, { canMarkRead = false, showOrder = false } = {}) {
  return html`<li class="reply" data-testid="reply" data-reply-id="${r.id}">
    <p class="reply-text prewrap">${r.text ? html`<q>${r.text}</q>` : html`<span class="muted">${t('booking.reply.empty')}</span>`}</p>
    <p class="reply-meta muted">${t(`booking.reply.channel.${r.channel === 'sms' ? 'sms' : 'web'}`)} · ${fmtDateTime(r.received_at)}
      · ${t('booking.reply.code_typed', { code: r.code_typed || '–' })}
      ${showOrder && r.reference ? html` · <a href="/desk/orders/${r.order_id}">${r.reference}</a>` : ''}</p>
    <p class="reply-outcome"><span class="flag ${r.outcome === 'confirmed' ? 'ok' : 'warn'}">${tOr(`booking.outcome.${r.outcome}`, r.outcome)}</span>
      ${r.handled_at ? html`<span class="muted">${t('booking.reply.read_at', { time: fmtDateTime(r.handled_at) })}</span>`
        : canMarkRead ? html`<button type="button" class="secondary small-button" data-reply-read="${r.id}" data-testid="reply-read">${t('booking.reply.mark_read')}</button>` : ''}</p>
  </li>`;
}
