// /admin/reports: the moderation queue, refreshed live when cases open or close.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { api, isAbortError } from '../../lib/api';
import { useFrame, useSession, useWsState } from '../../lib/hooks';
import { toastError } from '../../lib/toast';
import type { Case, Page, TargetType } from '../../lib/types';
import { CaseCard } from './case-card';
import { LoadError } from './load-error';

const LIMIT = 50;
/** Frames often come in bursts (several reports at once): one reload for a burst. */
const LIVE_DELAY_MS = 250;
const TYPES: { value: TargetType | ''; label: string }[] = [
  { value: '', label: 'Everything' },
  { value: 'message', label: 'Messages' },
  { value: 'listing', label: 'Listings' },
  { value: 'track', label: 'Tracks' },
  { value: 'playlist', label: 'Playlists' },
  { value: 'user', label: 'Users' },
];

type Status = 'open' | 'resolved';
type Sort = 'priority' | 'age';

export function ReportsPage({ isAdmin }: { isAdmin: boolean }) {
  const me = useSession();
  const [status, setStatus] = useState<Status>('open');
  const [type, setType] = useState<TargetType | ''>('');
  const [sort, setSort] = useState<Sort>('priority');
  const [cases, setCases] = useState<Case[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [nonce, setNonce] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const liveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const query = (after?: string | null) => ({ status, type: type || undefined, sort, limit: LIMIT, cursor: after ?? undefined });

  useEffect(() => {
    const ctrl = new AbortController();
    api<Page<Case>>('GET', '/admin/reports', undefined, { query: query(), signal: ctrl.signal }).then(
      (page) => {
        setCases(page.items);
        setCursor(page.next_cursor ?? null);
        setError(null);
      },
      (e) => {
        if (!isAbortError(e)) setError(e);
      },
    );
    return () => ctrl.abort();
  }, [status, type, sort, nonce]);

  useEffect(() => () => clearTimeout(liveTimer.current), []);
  const reload = () => setNonce((n) => n + 1);

  useFrame('event', (frame) => {
    if (frame.kind !== 'report.opened' && frame.kind !== 'report.resolved') return;
    clearTimeout(liveTimer.current);
    liveTimer.current = setTimeout(reload, LIVE_DELAY_MS);
  });

  // Frames missed while disconnected are not replayed: read the queue again on reconnect.
  const ws = useWsState();
  const wasOpen = useRef(ws.status === 'open');
  useEffect(() => {
    if (ws.status === 'open' && !wasOpen.current) reload();
    wasOpen.current = ws.status === 'open';
  }, [ws.status]);

  async function loadMore() {
    setLoadingMore(true);
    try {
      const page = await api<Page<Case>>('GET', '/admin/reports', undefined, { query: query(cursor) });
      setCases((list) => [...(list ?? []), ...page.items.filter((c) => !list?.some((x) => x.id === c.id))]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      toastError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  const replace = (c: Case) => setCases((list) => list?.map((x) => (x.id === c.id ? c : x)) ?? null);
  const drop = (c: Case) => setCases((list) => (status === 'open' ? list?.filter((x) => x.id !== c.id) : list?.map((x) => (x.id === c.id ? c : x))) ?? null);

  return (
    <section>
      <h1>Reports</h1>
      <form class="filters" aria-label="Filter the queue" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="queue-status">Cases</label>
          <select id="queue-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as Status)}>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
          </select>
        </div>
        <div class="field">
          <label for="queue-type">Reported</label>
          <select id="queue-type" value={type} onChange={(e) => setType(e.currentTarget.value as TargetType | '')}>
            {TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="queue-sort">Order</label>
          <select id="queue-sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as Sort)}>
            <option value="priority">Most reported first</option>
            <option value="age">Oldest first</option>
          </select>
        </div>
      </form>
      {error && !cases ? (
        <LoadError error={error} onRetry={reload} />
      ) : !cases || !me ? (
        <Loading />
      ) : (
        <>
          {error ? <LoadError error={error} onRetry={reload} /> : null}
          <p class="muted" role="status">
            {cases.length === 0
              ? status === 'open'
                ? 'The queue is empty: nothing to review.'
                : 'No resolved cases.'
              : `${cases.length}${cursor ? '+' : ''} ${status} case${cases.length === 1 ? '' : 's'}.`}
          </p>
          <div class="cases">
            {cases.map((c) => (
              <CaseCard key={c.id} c={c} me={me} isAdmin={isAdmin} onChanged={replace} onResolved={drop} />
            ))}
          </div>
          {cursor && (
            <p>
              <button type="button" class="secondary" disabled={loadingMore} onClick={loadMore}>
                {loadingMore ? 'Loading…' : 'More cases'}
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}
