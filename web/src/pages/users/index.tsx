// The users area: public profiles, and the owner's own profile with friends.
export { UserPage } from './user-page';
