// /admin/stats: the node's counts and every node's heartbeat, refreshed every 10 s.
import { useEffect, useRef } from 'preact/hooks';
import { StatusBadge, type Tone } from '../../components/status-badge';
import { LoadError, Loading } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { api } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { toastError } from '../../lib/toast';
import type { AdminStats, NodeStatus } from '../../lib/types';
import { HourlyChart } from './hourly-chart';

const REFRESH_MS = 10_000;
const NODE_TONE: Record<NodeStatus['status'], Tone> = { up: 'ok', unreachable: 'bad', stopped: 'none' };
const number = new Intl.NumberFormat();

export function StatsPage() {
  const stats = useLoad((signal) => api<AdminStats>('GET', '/admin/stats', undefined, { signal }), []);
  const latest = useRef(stats);
  latest.current = stats;

  useEffect(() => {
    const timer = setInterval(() => {
      // A hidden tab has nobody to show them to; a load already on its way is enough.
      if (!document.hidden && !latest.current.loading) latest.current.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  // A failed automatic refresh keeps the last figures on screen and says why.
  useEffect(() => {
    if (stats.error && stats.data) toastError(stats.error);
  }, [stats.error]);

  const s = stats.data;
  return (
    <section>
      <div class="page-head">
        <h1>Stats</h1>
        <button type="button" class="secondary" onClick={stats.reload}>
          {stats.loading && s ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {!s ? (
        stats.error ? <LoadError error={stats.error} onRetry={stats.reload} /> : <Loading />
      ) : (
        <>
          <p class="muted">
            Computed {formatDateTime(s.computed_at)} by {s.computed_by}; refreshed every 10 seconds.
          </p>
          <ul class="stat-cards">
            <Figure label="Users" value={s.users} />
            <Figure label="Active users (24 h)" value={s.active_users_24h} />
            <Figure label="Messages (24 h)" value={s.messages_24h} />
            <Figure label="Tracks" value={s.tracks} />
            <Figure label="Plays (24 h)" value={s.plays?.last_24h} />
            <Figure label="Searches (24 h)" value={s.searches?.last_24h} />
          </ul>
          {s.messages_per_hour?.length > 0 && <HourlyChart hours={s.messages_per_hour} />}
          <div class="stat-tables">
            <CountTable caption="Listings by status" counts={s.listings_by_status} />
            <CountTable caption="Offers by status" counts={s.offers_by_status} />
            <CountTable caption="Users by status" counts={s.users_by_status} />
          </div>
          <h2>Nodes</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Status</th>
                  <th scope="col">Version</th>
                  <th scope="col">Connections</th>
                  <th scope="col">Online users</th>
                  <th scope="col">Live rooms</th>
                  <th scope="col">Deliveries/s</th>
                  <th scope="col">Last beat</th>
                </tr>
              </thead>
              <tbody>
                {s.nodes.map((n) => (
                  <tr key={n.node}>
                    <th scope="row">{n.node}</th>
                    <td>
                      <StatusBadge label={n.status} tone={NODE_TONE[n.status]} />
                    </td>
                    <td>{n.version}</td>
                    <td>{number.format(n.connections)}</td>
                    <td>{number.format(n.online_users)}</td>
                    <td>{number.format(n.rooms)}</td>
                    <td>{n.deliveries_per_sec.toFixed(1)}</td>
                    <td>{formatDateTime(n.last_beat_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function Figure({ label, value }: { label: string; value: number | undefined }) {
  return (
    <li class="panel stat-card">
      <span class="stat-label">{label}</span>
      <span class="stat-value">{value === undefined ? '—' : number.format(value)}</span>
    </li>
  );
}

function CountTable({ caption, counts }: { caption: string; counts: Record<string, number> | undefined }) {
  const rows = Object.entries(counts ?? {});
  return (
    <table class="count-table">
      <caption>{caption}</caption>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={2} class="muted">
              None yet
            </td>
          </tr>
        ) : (
          rows.map(([k, n]) => (
            <tr key={k}>
              <th scope="row">{k.replace(/_/g, ' ')}</th>
              <td>{number.format(n)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
