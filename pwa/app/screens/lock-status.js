// A lock's state as home-care staff and fitters need it: battery (level and percent), when the
// lock was last heard from, and whether the reading is verified by the lock itself (a report
// signed by the lock and checked by the server), which a typed-in value never is.
import { t, fmtDateTime } from '../i18n.js';
import { html } from '../ui.js';

// The lock's own five battery stages (firmware_sim/battery.py): the percent at or above
// which each applies. A lock raises its low-battery flag from LOW down, so the app warns there.
const STAGES = [['high', 60], ['medium', 30], ['low', 15], ['very_low', 5], ['empty', 0]];
const WARN_STAGES = ['low', 'very_low', 'empty'];

export function batteryStage(percent) {
  if (percent == null) return null;
  return STAGES.find(([, min]) => percent >= min)?.[0] ?? 'empty';
}

export const lowBattery = (lock) => WARN_STAGES.includes(batteryStage(lock?.battery_percent));

// "verified by lock" badge, or a plain note that the value is not verified.
export function verifiedBadge(lock) {
  return lock.verified_by_lock
    ? html`<span class="flag ok" data-testid="verified-by-lock">✓ ${t('lockstatus.verified')}</span>`
    : html`<span class="not-verified" data-testid="not-verified">${t('lockstatus.not_verified')}</span>`;
}

export function batteryText(lock) {
  const stage = batteryStage(lock.battery_percent);
  if (!stage) return t('lockstatus.battery_unknown');
  return t('lockstatus.battery_value', { level: t(`lockstatus.stage.${stage}`), percent: lock.battery_percent });
}

// The facts as a definition list, for the order screens and the locks screen.
export function lockFacts(lock) {
  const low = lowBattery(lock);
  return html`<dl class="pairs lock-facts" data-testid="lock-facts" data-lock-id="${lock.id}">
    <dt>${t('lock.serial')}</dt><dd>${lock.serial}${lock.kind === 'entrance' ? html` <span class="muted">(${t('lock.kind.entrance')})</span>` : ''}</dd>
    <dt>${t('lock.battery')}</dt><dd data-testid="lock-battery"><span class="${low ? 'warn' : ''}">${batteryText(lock)}</span>
      ${low ? html` <span class="flag danger">${t('lockstatus.low')}</span>` : ''}
      ${lock.battery_verified_at ? html`<br><span class="muted">${t('lockstatus.read_at', { time: fmtDateTime(lock.battery_verified_at) })}</span>` : ''}</dd>
    <dt>${t('lock.last_seen')}</dt><dd data-testid="lock-last-seen">${lock.last_seen_at ? fmtDateTime(lock.last_seen_at) : t('lockstatus.never_seen')}</dd>
    <dt>${t('lockstatus.evidence')}</dt><dd>${verifiedBadge(lock)}</dd>
    ${lock.firmware ? html`<dt>${t('lockstatus.firmware')}</dt><dd>${lock.firmware}</dd>` : ''}
  </dl>`;
}
