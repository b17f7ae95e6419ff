// The planner's desk (issue 11): routes and navigation for planners and administrators. The
// screens themselves are imported only when one of these routes is shown (router `load`), so
// a fitter's or a home-care worker's phone never loads them.
import { route, nav, currentUser } from '../router.js';

const DESK_ROLES = ['planner', 'admin'];
const board = () => import('../screens/desk-board.js');
const order = () => import('../screens/desk-order.js');
const activity = () => import('../screens/desk-activity.js');
const letters = () => import('../screens/desk-letters.js');
const followUp = () => import('../screens/desk-follow-up.js');
const cases = () => import('../screens/desk-cases.js');

route('/', 'lw-desk-board', { roles: DESK_ROLES, load: board });
route('/desk', 'lw-desk-board', { roles: DESK_ROLES, load: board });
route('/desk/activity', 'lw-desk-activity', { roles: DESK_ROLES, load: activity });
route('/desk/orders/:id', 'lw-desk-order', { roles: DESK_ROLES, load: order });
// Booking (issue 12, seed 002): the letters tray and the manual follow-up queue.
route('/desk/letters', 'lw-desk-letters', { roles: DESK_ROLES, load: letters });
route('/desk/follow-up', 'lw-desk-follow-up', { roles: DESK_ROLES, load: followUp });
// Fault reports from the public page /f (issue 13, seeds 003/004): triage into an order, or
// close with an answer.
route('/desk/cases', 'lw-desk-cases', { roles: DESK_ROLES, load: cases });
route('/desk/cases/:id', 'lw-desk-case', { roles: DESK_ROLES, load: cases });
nav({ href: '/desk', label: 'nav.desk', roles: DESK_ROLES, testid: 'nav-desk', order: 5 });
nav({ href: '/desk/activity', label: 'nav.activity', roles: DESK_ROLES, testid: 'nav-activity', order: 25 });
nav({ href: '/desk/letters', label: 'nav.letters', roles: DESK_ROLES, testid: 'nav-letters', order: 26 });
nav({ href: '/desk/follow-up', label: 'nav.follow_up', roles: DESK_ROLES, testid: 'nav-follow-up', order: 27 });
nav({ href: '/desk/cases', label: 'nav.cases', roles: DESK_ROLES, testid: 'nav-cases', order: 28 });

// On a wide screen the desk's people get a sidebar instead of the phone's bottom bar
// (styles.css, body.desk at 64rem and wider).
const follow = () => document.body.classList.toggle('desk', Boolean(currentUser()?.roles.some((r) => DESK_ROLES.includes(r))));
addEventListener('userchange', follow);
follow();

// Routing (issue 13, seeds 003/004): the assignment rules with the areas and groups they name,
// and the recurring schedules with the battery rule.
const rules = () => import('../screens/desk-rules.js');
const schedules = () => import('../screens/desk-schedules.js');
route('/desk/rules', 'lw-desk-rules', { roles: DESK_ROLES, load: rules });
route('/desk/schedules', 'lw-desk-schedules', { roles: DESK_ROLES, load: schedules });
nav({ href: '/desk/rules', label: 'nav.rules', roles: DESK_ROLES, testid: 'nav-rules', order: 28 });
nav({ href: '/desk/schedules', label: 'nav.schedules', roles: DESK_ROLES, testid: 'nav-schedules', order: 29 });
