import { useEffect, useState } from 'preact/hooks';
import { Fact } from '../../components/facts';
import { Loading } from '../../components/status';
import { api } from '../../lib/api';
import { logout, logoutAll } from '../../lib/auth';
import { formatDateTime } from '../../lib/format';
import { navigate } from '../../lib/router';
import { toast, toastError } from '../../lib/toast';
import type { Page, SessionView } from '../../lib/types';

/** Where this account is logged in, with a way to end any of those sessions. */
export function SessionsPage() {
  const [sessions, setSessions] = useState<SessionView[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    api<Page<SessionView>>('GET', '/auth/sessions', undefined, { query: { limit: 100 } }).then(
      (page) => setSessions(page.items),
      (e) => {
        toastError(e);
        setSessions([]);
      },
    );
  }, []);

  async function revoke(s: SessionView) {
    setBusy(s.id);
    try {
      if (s.current) {
        await logout();
        toast('You are logged out.', 'success');
        navigate('/login', { replace: true });
        return;
      }
      await api('DELETE', `/auth/sessions/${encodeURIComponent(s.id)}`);
      setSessions((list) => list?.filter((x) => x.id !== s.id) ?? null);
      toast(`Logged out ${describeAgent(s.user_agent)}.`, 'success');
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  }

  async function everywhere() {
    if (!window.confirm('Log out of Veza on every device, this one included?')) return;
    setBusy('all');
    try {
      await logoutAll();
      toast('You are logged out everywhere.', 'success');
      navigate('/login', { replace: true });
    } catch (e) {
      toastError(e);
      setBusy(null);
    }
  }

  return (
    <section>
      <h1>Sessions</h1>
      <p class="lead">The devices and browsers where you are logged in.</p>
      {sessions === null ? (
        <Loading />
      ) : (
        <ul class="session-list">
          {sessions.map((s) => (
            <li key={s.id} class="panel session">
              <div>
                <h2 class="session-name">
                  {describeAgent(s.user_agent)}
                  {s.current && <span class="badge">This device</span>}
                </h2>
                <dl class="facts">
                  <Fact label="Signed in">{formatDateTime(s.created_at)}</Fact>
                  <Fact label="Last active">{formatDateTime(s.last_used_at)}</Fact>
                  {s.ip && <Fact label="IP address">{s.ip}</Fact>}
                </dl>
              </div>
              <button
                type="button"
                class="secondary"
                disabled={busy !== null}
                aria-label={s.current ? 'Log out on this device' : `Log out ${describeAgent(s.user_agent)}, last active ${formatDateTime(s.last_used_at)}`}
                onClick={() => revoke(s)}
              >
                Log out
              </button>
            </li>
          ))}
        </ul>
      )}
      <p>
        <button type="button" class="danger" disabled={busy !== null} onClick={everywhere}>
          Log out everywhere
        </button>
      </p>
    </section>
  );
}

/** "Firefox on Linux" from a User-Agent string, or "Unknown device". */
function describeAgent(ua: string | null | undefined): string {
  if (!ua) return 'Unknown device';
  const browser =
    [
      ['Edg/', 'Edge'],
      ['OPR/', 'Opera'],
      ['Firefox/', 'Firefox'],
      ['Chrome/', 'Chrome'],
      ['Safari/', 'Safari'],
    ].find(([token]) => ua.includes(token!))?.[1] ?? 'A browser';
  const os =
    [
      ['Android', 'Android'],
      ['iPhone', 'iOS'],
      ['iPad', 'iPadOS'],
      ['Windows', 'Windows'],
      ['Mac OS X', 'macOS'],
      ['CrOS', 'ChromeOS'],
      ['Linux', 'Linux'],
    ].find(([token]) => ua.includes(token!))?.[1];
  return os ? `${browser} on ${os}` : browser;
}
