import { render } from 'preact';
import { App } from './app';
import { initAuth, onSessionEnd } from './lib/auth';
import { currentLocation, loginHref, navigate, startRouter } from './lib/router';
import { setTitle } from './lib/title';
import { toast, toastError } from './lib/toast';
import { startWs } from './lib/ws';
import { resolve } from './routes';
import './styles.css';

// Each page starts with its route's title; the page may refine it with useTitle().
currentLocation.subscribe(({ path }) => setTitle(resolve(path)?.def.title));
setTitle(resolve(currentLocation.get().path)?.def.title);

// A failed request nobody caught is still shown, never swallowed.
window.addEventListener('unhandledrejection', (e) => toastError(e.reason));

onSessionEnd((message) => {
  toast(message, 'error');
  navigate(loginHref());
});

startRouter();
initAuth();
startWs();
render(<App />, document.getElementById('app')!);
