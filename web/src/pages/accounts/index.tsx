// The accounts area: one chunk with every page about logging in and sessions.
export { LoginPage } from './login';
export { MagicLinkPage } from './magic-link';
export { OAuthCallbackPage } from './oauth';
export { RegisterPage } from './register';
export { SessionsPage } from './sessions';
