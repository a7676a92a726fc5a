// /admin/reports: the moderation queue, refreshed live when cases open or close.
import { useEffect, useRef, useState } from 'preact/hooks';
import { SelectField } from '../../components/form';
import { MoreButton, usePaged } from '../../components/paged';
import { LoadError, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { useFrame, useReconnected, useSession } from '../../lib/hooks';
import type { Case, Page, TargetType } from '../../lib/types';
import { CaseCard } from './case-card';

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
const STATUSES = [
  { value: 'open', label: 'Open' },
  { value: 'resolved', label: 'Resolved' },
];
const SORTS = [
  { value: 'priority', label: 'Most reported first' },
  { value: 'age', label: 'Oldest first' },
];

type Status = 'open' | 'resolved';
type Sort = 'priority' | 'age';

export function ReportsPage({ isAdmin }: { isAdmin: boolean }) {
  const me = useSession();
  const [status, setStatus] = useState<Status>('open');
  const [type, setType] = useState<TargetType | ''>('');
  const [sort, setSort] = useState<Sort>('priority');
  // The queue stays shown while it is read again (a live refresh must not flash "Loading…").
  const paged = usePaged(
    (cursor, signal) =>
      api<Page<Case>>('GET', '/admin/reports', undefined, {
        query: { status, type: type || undefined, sort, limit: LIMIT, cursor },
        ...(signal ? { signal } : {}),
      }),
    [status, type, sort],
    { keep: true },
  );
  const { items: cases, error, reload } = paged;
  const liveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(liveTimer.current), []);

  useFrame('event', (frame) => {
    if (frame.kind !== 'report.opened' && frame.kind !== 'report.resolved') return;
    clearTimeout(liveTimer.current);
    liveTimer.current = setTimeout(reload, LIVE_DELAY_MS);
  });

  // Frames missed while disconnected are not replayed: read the queue again on reconnect.
  useReconnected(reload);

  const replace = (c: Case) => paged.setItems((list) => list.map((x) => (x.id === c.id ? c : x)));
  const drop = (c: Case) => (status === 'open' ? paged.setItems((list) => list.filter((x) => x.id !== c.id)) : replace(c));

  return (
    <section>
      <h1>Reports</h1>
      <form class="filters" aria-label="Filter the queue" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          name="status"
          id="queue-status"
          label="Cases"
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as Status)}
          options={STATUSES}
        />
        <SelectField
          name="type"
          id="queue-type"
          label="Reported"
          value={type}
          onChange={(e) => setType(e.currentTarget.value as TargetType | '')}
          options={TYPES}
        />
        <SelectField name="sort" id="queue-sort" label="Order" value={sort} onChange={(e) => setSort(e.currentTarget.value as Sort)} options={SORTS} />
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
              : `${cases.length}${paged.hasMore ? '+' : ''} ${status} case${cases.length === 1 ? '' : 's'}.`}
          </p>
          <div class="cases">
            {cases.map((c) => (
              <CaseCard key={c.id} c={c} me={me} isAdmin={isAdmin} onChanged={replace} onResolved={drop} />
            ))}
          </div>
          <MoreButton paged={paged} label="More cases" />
        </>
      )}
    </section>
  );
}
