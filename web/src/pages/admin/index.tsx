// The admin area: one chunk with every /admin/* section.
export { AdminPage } from './admin-page';
