import { useEffect, useRef } from 'preact/hooks';
import { logout } from '../lib/auth';
import { useStore } from '../lib/hooks';
import { userHref } from '../lib/links';
import { currentLocation, navigate } from '../lib/router';
import { toast, toastError } from '../lib/toast';
import type { Me } from '../lib/types';

/** The account menu: a native disclosure, closed again by navigation, Escape or a click outside. */
export function UserMenu({ user }: { user: Me }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const location = useStore(currentLocation);

  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [location]);

  useEffect(() => {
    const close = (e: Event) => {
      const menu = ref.current;
      if (!menu?.open) return;
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !menu.contains(e.target as Node)) {
        menu.open = false;
        if (e instanceof KeyboardEvent) menu.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, []);

  async function onLogout() {
    try {
      await logout();
      toast('You are logged out.', 'success');
    } catch (e) {
      toastError(e);
    }
    navigate('/');
  }

  return (
    <details class="user-menu" ref={ref}>
      <summary>
        <span class="avatar" aria-hidden="true">
          {(user.display_name || user.username).charAt(0).toUpperCase()}
        </span>
        <span class="user-name">{user.display_name || user.username}</span>
        <span class="visually-hidden">, account menu</span>
      </summary>
      <ul>
        <li>
          <a href={userHref(user.username)}>Profile</a>
        </li>
        <li>
          <a href="/settings/sessions">Sessions</a>
        </li>
        <li>
          <button type="button" onClick={onLogout}>
            Log out
          </button>
        </li>
      </ul>
    </details>
  );
}
