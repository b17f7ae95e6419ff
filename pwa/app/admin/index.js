// The administration screens (role admin): each module registers its own routes; /admin/users/new
// is registered before /admin/users/:id.
import './start.js';
import './users.js';
import './user.js';
import './organisations.js';
import './outbox.js';
