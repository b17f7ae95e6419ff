// The pre-order checklist of seed 000 (step 1), as the server publishes it (the `checklist`
// part of app-rules.json, made by server/app_rules.py from server/orders/checklist.py), so
// that the guided order form can explain a refusal at the step where it happens, offline too.
// The server stays the authority: it checks the same rules again and its answer is what
// counts. tests/browser/test_orderer.py runs this rule against the Python one. Pure functions:
// no DOM, no storage; each takes a checklist document, the server's by default.
import { RULES } from './rules.js';

const SERVER = RULES.checklist;
// Kinds that need the checklist (service faults, and battery changes).
export const KINDS_WITH_CHECKLIST = SERVER.kinds;
// When several answers refuse, the server names the most decisive first; so do we.
export const REFUSAL_ORDER = SERVER.refusal_order;
// Each question: the seed's Swedish text (sv), English (en), the allowed answers and the
// refusals: the answers that stop an order of the listed kinds, with what to do instead.
export const CHECKLIST = SERVER.questions;

export const checklistRequired = (kind, checklist = SERVER) => checklist.kinds.includes(kind);

// The refusal one answer gives for an order of `kind`, or null.
export function refusalFor(kind, key, answer, checklist = SERVER) {
  const question = checklist.questions.find((q) => q.key === key);
  if (!question) return null;
  return question.refusals.find((r) => r.answer === answer && r.kinds.includes(kind)) ?? null;
}

// The refusal the server would give for these answers, as { key, refusal }, or null.
export function firstRefusal(kind, answers, checklist = SERVER) {
  if (!checklistRequired(kind, checklist)) return null;
  for (const key of checklist.refusal_order) {
    const refusal = refusalFor(kind, key, answers[key], checklist);
    if (refusal) return { key, refusal };
  }
  return null;
}

// True when every question has one of its allowed answers.
export const checklistComplete = (answers, checklist = SERVER) => checklist.questions.every((q) => q.answers.some((a) => a.value === answers[q.key]));
