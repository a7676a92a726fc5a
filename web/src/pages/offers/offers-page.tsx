import type { TargetedEvent } from 'preact';
import { SelectField } from '../../components/form';
import { MoreButton, usePaged } from '../../components/paged';
import { Empty, LoadError, Loading } from '../../components/status';
import { LinkTabs } from '../../components/tabs';
import { api } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Offer, OfferStatus, Page } from '../../lib/types';
import type { PageProps } from '../../routes';
import { changeText, OFFER_STATUS, type Side } from './labels';
import { useOfferEvents } from './live';
import { OfferRow } from './offer-row';

const PAGE_SIZE = 20;
const TABS: { side: Side; label: string }[] = [
  { side: 'buyer', label: 'As buyer' },
  { side: 'seller', label: 'As seller' },
];
const STATUSES = [
  { value: '', label: 'Any status' },
  ...(Object.keys(OFFER_STATUS) as OfferStatus[]).map((s) => ({ value: s, label: OFFER_STATUS[s] })),
];

/** My offers, as buyer or as seller (tabs in the URL), kept current by the live events. */
export function OffersPage({ query }: PageProps) {
  const user = useSession();
  const side: Side = query.get('role') === 'seller' ? 'seller' : 'buyer';
  const rawStatus = query.get('status') ?? '';
  const status = rawStatus in OFFER_STATUS ? (rawStatus as OfferStatus) : '';
  const offers = usePaged(
    (cursor, signal) =>
      api<Page<Offer>>('GET', '/offers', undefined, { query: { role: side, status, limit: PAGE_SIZE, cursor }, ...(signal ? { signal } : {}) }),
    [side, status],
  );

  useOfferEvents((offer, kind) => {
    offers.reload();
    const actor = offer?.events?.at(-1)?.actor;
    if (!offer?.listing || actor?.id === user?.id) return;
    if (kind === 'offer.created') toast(`New offer on “${offer.listing.title}” from ${offer.buyer?.username ?? 'a buyer'}.`);
    else toast(`Offer updated: ${changeText(offer as Offer)}`);
  });

  function onStatus(e: TargetedEvent<HTMLSelectElement>) {
    const value = e.currentTarget.value;
    navigate(`/offers?role=${side}${value ? `&status=${value}` : ''}`);
  }

  const items = offers.items;
  return (
    <section class="offers">
      <h1>Offers</h1>
      <LinkTabs
        label="Offers by role"
        tabs={TABS.map((t) => ({ href: `/offers?role=${t.side}${status ? `&status=${status}` : ''}`, label: t.label, current: t.side === side }))}
      />
      <SelectField name="status" id="offer-status" label="Status" fieldClass="inline toolbar" value={status} onChange={onStatus} options={STATUSES} />
      {offers.error && !items ? (
        <LoadError error={offers.error} onRetry={offers.reload} />
      ) : !items ? (
        <Loading label="Loading offers…" />
      ) : items.length === 0 ? (
        <NoOffers side={side} filtered={!!status} />
      ) : (
        <ul class="offer-list" data-testid="offers">
          {items.map((o) => (
            <OfferRow key={o.id} offer={o} side={side} />
          ))}
        </ul>
      )}
      <MoreButton paged={offers} label="Load more" />
    </section>
  );
}

function NoOffers({ side, filtered }: { side: Side; filtered: boolean }) {
  return (
    <Empty>
      {filtered ? (
        <p>No offers with this status.</p>
      ) : side === 'buyer' ? (
        <p>
          You haven't made any offers yet. <a href="/market">Browse the market</a>
        </p>
      ) : (
        <p>
          Nobody has made an offer on your listings yet. <a href="/market/new">Sell something</a>
        </p>
      )}
    </Empty>
  );
}
