import type { TargetedEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { api, isAbortError } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Offer, OfferStatus, Page } from '../../lib/types';
import type { PageProps } from '../../routes';
import { explain, showError } from '../market/errors';
import { changeText, OFFER_STATUS, type Side } from './labels';
import { useOfferEvents } from './live';
import { OfferRow } from './offer-row';

const PAGE_SIZE = 20;
const TABS: { side: Side; label: string }[] = [
  { side: 'buyer', label: 'As buyer' },
  { side: 'seller', label: 'As seller' },
];

interface Results {
  key: string;
  items: Offer[];
  next: string | null;
}

/** My offers, as buyer or as seller (tabs in the URL), kept current by the live events. */
export function OffersPage({ query }: PageProps) {
  const user = useSession();
  const side: Side = query.get('role') === 'seller' ? 'seller' : 'buyer';
  const rawStatus = query.get('status') ?? '';
  const status = rawStatus in OFFER_STATUS ? (rawStatus as OfferStatus) : '';
  const key = `${side}|${status}`;
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    fetchOffers(side, status, null, ctl.signal).then(
      (page) => {
        setResults({ key, items: page.items, next: page.next_cursor ?? null });
        setError(null);
      },
      (e) => {
        if (!isAbortError(e)) setError(e);
      },
    );
    return () => ctl.abort();
  }, [key, version]);

  useOfferEvents((offer, kind) => {
    setVersion((v) => v + 1);
    const actor = offer?.events?.at(-1)?.actor;
    if (!offer?.listing || actor?.id === user?.id) return;
    if (kind === 'offer.created') toast(`New offer on “${offer.listing.title}” from ${offer.buyer?.username ?? 'a buyer'}.`);
    else toast(`Offer updated: ${changeText(offer as Offer)}`);
  });

  async function loadMore() {
    if (!results?.next) return;
    setLoadingMore(true);
    try {
      const page = await fetchOffers(side, status, results.next);
      setResults((r) => (r && r.key === key ? { ...r, items: [...r.items, ...page.items], next: page.next_cursor ?? null } : r));
    } catch (e) {
      showError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  function onStatus(e: TargetedEvent<HTMLSelectElement>) {
    const value = e.currentTarget.value;
    navigate(`/offers?role=${side}${value ? `&status=${value}` : ''}`);
  }

  const shown = results?.key === key ? results : null;
  return (
    <section class="offers">
      <h1>Offers</h1>
      <nav class="tabs" aria-label="Offers by role">
        <ul>
          {TABS.map((t) => (
            <li key={t.side}>
              <a href={`/offers?role=${t.side}${status ? `&status=${status}` : ''}`} aria-current={t.side === side ? 'page' : undefined}>
                {t.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="toolbar">
        <label for="offer-status">Status</label>
        <select id="offer-status" value={status} onChange={onStatus}>
          <option value="">Any status</option>
          {(Object.keys(OFFER_STATUS) as OfferStatus[]).map((s) => (
            <option key={s} value={s}>
              {OFFER_STATUS[s]}
            </option>
          ))}
        </select>
      </div>
      {error && !shown ? (
        <div class="form-error" role="alert">
          <p>{explain(error)}</p>
          <button type="button" class="secondary" onClick={() => setVersion((v) => v + 1)}>
            Try again
          </button>
        </div>
      ) : !shown ? (
        <Loading label="Loading offers…" />
      ) : shown.items.length === 0 ? (
        <Empty side={side} filtered={!!status} />
      ) : (
        <ul class="offer-list" data-testid="offers">
          {shown.items.map((o) => (
            <OfferRow key={o.id} offer={o} side={side} />
          ))}
        </ul>
      )}
      {shown?.next && (
        <p class="load-more">
          <button type="button" class="secondary" disabled={loadingMore} onClick={loadMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </p>
      )}
    </section>
  );
}

function fetchOffers(side: Side, status: string, cursor: string | null, signal?: AbortSignal): Promise<Page<Offer>> {
  return api<Page<Offer>>('GET', '/offers', undefined, {
    query: { role: side, status, limit: PAGE_SIZE, cursor },
    ...(signal ? { signal } : {}),
  });
}

function Empty({ side, filtered }: { side: Side; filtered: boolean }) {
  if (filtered) return <p class="empty-state">No offers with this status.</p>;
  return side === 'buyer' ? (
    <p class="empty-state">
      You haven't made any offers yet. <a href="/market">Browse the market</a>
    </p>
  ) : (
    <p class="empty-state">
      Nobody has made an offer on your listings yet. <a href="/market/new">Sell something</a>
    </p>
  );
}
