// Routing's shared wording (issue 13, seeds 003/004): where an order came from, which rule
// placed it and where it waits; what a rule matches and where it sends. Used by the rules and
// schedules editors, the order's panel and the board's queue.
import { t, tOr, fmtShortDay } from '../i18n.js';
import { kindLabel } from '../ui.js';

// The order kinds a rule may name (server/routing/schemas.py KindName), in the board's order.
export const ORDER_KINDS = ['installation', 'service', 'battery', 'removal', 'inspection'];
// What a schedule makes (ScheduleIn.kind).
export const SCHEDULE_KINDS = ['inspection', 'battery', 'service'];
export const AREA_KINDS = ['district', 'postcode', 'addresses'];

// The automatic battery order's reason, as server/routing/jobs.py battery_reason() writes it
// (English, in origin_ref). Said again in the person's language; anything else is shown as
// the server wrote it.
const BATTERY_LOW = /^Battery (\d+) % as the lock signed it on (\d{4}-\d{2}-\d{2}) \(under (\d+) %\)\.$/;
const BATTERY_STALE = /^No battery reading verified (?:since (\d{4}-\d{2}-\d{2})|ever) \(more than (\d+) days\)\.$/;

function automaticReason(ref) {
  let m = BATTERY_LOW.exec(ref);
  if (m) return t('routing.origin.battery_low', { percent: m[1], day: fmtShortDay(m[2]), below: m[3] });
  m = BATTERY_STALE.exec(ref);
  if (m) {
    return m[1] ? t('routing.origin.battery_stale', { day: fmtShortDay(m[1]), days: m[2] })
      : t('routing.origin.battery_never', { days: m[2] });
  }
  return ref;
}

// "Återkommande: Årlig kontroll, 2027-04-01", "Automatisk: batteri 12 % …", "Felanmälan F-…",
// "Beställd av hemtjänsten".
export function originText(o) {
  const origin = o.origin || 'checklist';
  const ref = o.origin_ref || '';
  if (origin === 'automatic') return t('routing.origin.automatic', { what: automaticReason(ref) });
  if (!ref) return tOr(`routing.origin.${origin}.plain`, origin);
  return tOr(`routing.origin.${origin}`, `${origin}: ${ref}`, { ref });
}

export const areaKindLabel = (kind) => t(`routing.area_kind.${kind}`);

// What a rule matches, in words: "Område Centrum · Installation, Service · Hemtjänst Nord", or
// "Alla order" when it names nothing.
export function ruleMatches(rule, { areas = [], providers = [] } = {}) {
  const parts = [];
  if (rule.area_id) {
    const area = areas.find((a) => a.id === rule.area_id);
    parts.push(t('routing.rule.in_area', { name: area ? area.name : t('routing.unknown') }));
  }
  if ((rule.kinds || []).length) parts.push(rule.kinds.map(kindLabel).join(', '));
  if (rule.provider_id) {
    const provider = providers.find((p) => p.id === rule.provider_id);
    parts.push(t('routing.rule.from_provider', { name: provider ? provider.name : t('routing.unknown') }));
  }
  return parts.length ? parts.join(' · ') : t('routing.rule.everything');
}

// Where a rule (or an order placed by one) sends: "Montör Maria Montör" or "Gruppen Laget".
export function targetText({ fitterId, groupId }, { fitters = [], groups = [] } = {}) {
  if (fitterId) {
    const fitter = fitters.find((f) => f.id === fitterId);
    return t('routing.to_fitter', { name: fitter ? fitter.full_name : t('desk.unknown_fitter') });
  }
  if (groupId) {
    const group = groups.find((g) => g.id === groupId);
    return t('routing.to_group', { name: group ? group.name : t('routing.unknown') });
  }
  return t('routing.to_planner');
}

export const groupName = (groups, id) => (groups || []).find((g) => g.id === id)?.name || t('routing.unknown');
