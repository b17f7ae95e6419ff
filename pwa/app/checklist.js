// The pre-order checklist of seed 000 (step 1), mirrored from server/orders/checklist.py so
// that the guided order form can explain a refusal at the step where it happens, offline too.
// The server stays the authority: it checks the same rules again and its answer is what
// counts. tests/browser/test_orderer.py compares this table with the Python one, so the two
// cannot drift apart unnoticed. Pure: no DOM, no storage.

// Kinds that need the checklist: service faults, and battery changes (same checks).
export const KINDS_WITH_CHECKLIST = Object.freeze(['battery', 'service']);

// When several answers refuse, the server names the most decisive first; so do we.
export const REFUSAL_ORDER = Object.freeze(['fault_location', 'battery_checked', 'door_handled_like_metal_key', 'lock_woken', 'linked_correctly_in_care_system']);

// Each question: the seed's Swedish text, English, the allowed answers and the answers that
// stop an order of the listed kinds, with what to do instead.
export const CHECKLIST = Object.freeze([
  {
    key: 'door_handled_like_metal_key',
    sv: 'Har personal hanterat dörren på samma sätt som om de hade haft en plåtnyckel? T.ex. tryckt till en dörr som svällt under vintern?',
    en: 'Have staff handled the door the same way as if they had a metal key? For example, pushed a door that has swollen during the winter?',
    answers: [
      { value: 'yes', sv: 'Ja', en: 'Yes' },
      { value: 'no', sv: 'Nej', en: 'No' },
    ],
    refusals: [
      {
        answer: 'no', kinds: ['service'], code: 'checklist_refused',
        sv: 'Hantera först dörren som med en plåtnyckel, t.ex. tryck till en dörr som svällt under vintern. Fungerar det ändå inte, lägg beställningen då.',
        en: 'First handle the door as you would with a metal key, for example push a door that has swollen in the winter. If it still does not work, place the order then.',
      },
    ],
  },
  {
    key: 'battery_checked',
    sv: 'Är batteriet bytt eller i behov av att bytas?',
    en: 'Has the battery been replaced, or does it need replacing?',
    answers: [
      { value: 'replaced', sv: 'Batteriet är bytt', en: 'The battery has been replaced' },
      { value: 'not_needed', sv: 'Batteriet behöver inte bytas', en: 'The battery is fine' },
      { value: 'needs_replacement', sv: 'Batteriet behöver bytas', en: 'The battery needs replacing' },
    ],
    refusals: [
      {
        answer: 'needs_replacement', kinds: ['service'], code: 'battery_order_needed',
        sv: 'Batteriet behöver bytas: beställ ett batteribyte i stället för ett serviceärende.',
        en: 'The battery needs replacing: order a battery change instead of a service job.',
      },
    ],
  },
  {
    key: 'lock_woken',
    sv: 'Har låset väckts? Eller kan det ha varit portlåset som visades i telefonen?',
    en: 'Has the lock been woken? Or could it have been the building\'s entrance lock that was shown on the phone?',
    answers: [
      { value: 'woken', sv: 'Låset har väckts', en: 'The lock was woken' },
      { value: 'was_entrance_lock', sv: 'Det var troligen portlåset som visades', en: 'It was probably the entrance lock that was shown' },
      { value: 'not_woken', sv: 'Låset har inte väckts', en: 'The lock was not woken' },
    ],
    refusals: [
      {
        answer: 'was_entrance_lock', kinds: ['service'], code: 'checklist_refused',
        sv: 'Det var troligen portlåset (fastighetens entrélås) som visades i telefonen. Kontrollera först att det är rätt lås, vid kundens dörr.',
        en: 'It was probably the building\'s entrance lock that was shown on the phone. First check that you are at the right lock, the customer\'s own door.',
      },
      {
        answer: 'not_woken', kinds: ['service'], code: 'checklist_refused',
        sv: 'Väck låset först (rör vid låset så att det vaknar) och försök igen innan ett serviceärende beställs.',
        en: 'Wake the lock first (touch the lock so that it wakes up) and try again before ordering a service job.',
      },
    ],
  },
  {
    key: 'linked_correctly_in_care_system',
    sv: 'Ligger allt rätt kopplat i vårdsystemet (Phoniro Care)? T.ex. finns låset kopplat? Finns en pågående beställning? Är telefonen kopplad till rätt enhet?',
    en: 'Is everything linked correctly in the care system (Phoniro Care)? For example: is the lock linked? Is there an ongoing order? Is the phone linked to the right unit?',
    answers: [
      { value: 'yes', sv: 'Ja', en: 'Yes' },
      { value: 'no', sv: 'Nej', en: 'No' },
    ],
    refusals: [
      {
        answer: 'no', kinds: ['service'], code: 'checklist_refused',
        sv: 'Rätta först kopplingarna i vårdsystemet: är låset kopplat, finns redan en pågående beställning, är telefonen kopplad till rätt enhet?',
        en: 'First fix the linking in the care system: is the lock linked, is there already an ongoing order, is the phone linked to the right unit?',
      },
    ],
  },
  {
    key: 'fault_location',
    sv: 'Är det låset (Phonirolåset) det är fel på, eller är det låskistan, dvs. låsdelen som är monterad inuti dörren?',
    en: 'Is the fault in the lock unit (the Phoniro lock), or in the lock case, that is the lock part mounted inside the door?',
    answers: [
      { value: 'lock_unit', sv: 'Fel på låset', en: 'The lock unit is faulty' },
      { value: 'lock_case', sv: 'Fel på låskistan', en: 'The lock case is faulty' },
      { value: 'unknown', sv: 'Vet inte', en: 'Not known' },
    ],
    refusals: [
      {
        answer: 'lock_case', kinds: ['battery', 'service'], code: 'lock_case_customer_responsibility',
        sv: 'Låskistan (låsdelen inuti dörren) ansvarar kunden själv för att åtgärda, så ingen beställning läggs. Kunden eller fastighetsägaren kontaktar en låssmed.',
        en: 'The lock case (the lock part inside the door) is the customer\'s own responsibility, so no order is placed. The customer or the property owner contacts a locksmith.',
      },
    ],
  },
]);

const BY_KEY = new Map(CHECKLIST.map((q) => [q.key, q]));

export const checklistRequired = (kind) => KINDS_WITH_CHECKLIST.includes(kind);

// The refusal one answer gives for an order of `kind`, or null.
export function refusalFor(kind, key, answer) {
  const question = BY_KEY.get(key);
  if (!question) return null;
  return question.refusals.find((r) => r.answer === answer && r.kinds.includes(kind)) ?? null;
}

// The refusal the server would give for these answers, as { key, refusal }, or null.
export function firstRefusal(kind, answers) {
  if (!checklistRequired(kind)) return null;
  for (const key of REFUSAL_ORDER) {
    const refusal = refusalFor(kind, key, answers[key]);
    if (refusal) return { key, refusal };
  }
  return null;
}

// True when every question has one of its allowed answers.
export const checklistComplete = (answers) => CHECKLIST.every((q) => q.answers.some((a) => a.value === answers[q.key]));
