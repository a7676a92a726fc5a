import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Loading, PageError } from '../../components/status';
import { api, ApiError, isAbortError } from '../../lib/api';
import { formatMoney } from '../../lib/format';
import { useSession, useTitle } from '../../lib/hooks';
import { toast, toastError } from '../../lib/toast';
import type { Money, Offer } from '../../lib/types';
import type { PageProps } from '../../routes';
import { changeText, sideOf } from './labels';
import { useOfferEvents } from './live';
import { OfferActions, type Verb } from './offer-actions';
import { OfferSummary } from './offer-summary';
import { OfferTimeline } from './offer-timeline';

const DONE: Record<Verb, (o: Offer) => string> = {
  counter: (o) => `Counter-offer of ${formatMoney(o.amount)} sent.`,
  accept: () => 'You accepted the offer: the listing is reserved for this deal.',
  decline: () => 'You declined the offer.',
  withdraw: () => 'Proposal withdrawn.',
  confirm: (o) =>
    o.status === 'completed' ? 'Exchange confirmed: the sale is complete.' : 'Exchange confirmed. Waiting for the other party.',
  cancel: () => 'Deal cancelled: the listing is back on sale.',
};

/** One offer between its two parties: where it stands, what the viewer may do, its history. */
export function OfferPage({ params }: PageProps) {
  const id = params.id ?? '';
  const user = useSession();
  const [offer, setOffer] = useState<Offer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<Verb | null>(null);
  const current = useRef<Offer | null>(null);
  useTitle(offer ? `Offer on ${offer.listing.title}` : undefined);

  /** Shows `o` unless what is shown is already newer (answers can cross). */
  const show = useCallback((o: Offer) => {
    const shown = current.current;
    if (shown && shown.id === o.id && Date.parse(o.updated_at) < Date.parse(shown.updated_at)) return;
    current.current = o;
    setOffer(o);
  }, []);

  const load = useCallback(
    async (signal?: AbortSignal): Promise<Offer | null> => {
      try {
        const o = await api<Offer>('GET', `/offers/${encodeURIComponent(id)}`, undefined, signal ? { signal } : {});
        show(o);
        setError(null);
        return o;
      } catch (e) {
        if (isAbortError(e)) return null;
        if (current.current) toastError(e);
        else setError(e);
        return null;
      }
    },
    [id, show],
  );

  useEffect(() => {
    current.current = null;
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const live = useOfferEvents((pushed) => {
    if (pushed === null) {
      void load();
      return;
    }
    if (pushed.id !== id || pushed.updated_at === current.current?.updated_at) return;
    void load().then((fresh) => {
      const actor = fresh?.events?.at(-1)?.actor;
      if (fresh && actor?.id !== user?.id) toast(`Offer updated: ${changeText(fresh)}`);
    });
  });

  async function act(verb: Verb, body?: { amount: Money }) {
    setBusy(verb);
    try {
      const o = await api<Offer>('POST', `/offers/${encodeURIComponent(id)}/${verb}`, body);
      show(o);
      toast(DONE[verb](o), 'success');
    } catch (e) {
      // Refused because the other party moved first: show where it stands now.
      if (e instanceof ApiError && (e.status === 409 || e.status === 403)) void load();
      throw e;
    } finally {
      setBusy(null);
    }
  }

  const press = (verb: Verb) => void act(verb).catch(toastError);

  if (error) {
    return (
      <PageError
        error={error}
        title="Couldn't load this offer"
        missing={{ title: 'Offer not found', text: 'It does not exist, or you are not one of its parties.' }}
        onRetry={() => void load()}
        back={{ href: '/offers', label: 'Your offers' }}
      />
    );
  }
  if (!offer) return <Loading label="Loading the offer…" />;

  const side = sideOf(offer, user?.id);
  return (
    <article class="offer-page" data-testid="offer" data-live={live}>
      <p class="breadcrumb">
        <a href={`/offers?role=${side ?? 'buyer'}`}>Offers</a>
      </p>
      <h1>Offer on “{offer.listing.title}”</h1>
      <div class="offer-layout">
        <div class="offer-main">
          <OfferSummary offer={offer} side={side} />
          {side && <OfferActions offer={offer} side={side} busy={busy} act={act} press={press} />}
        </div>
        <OfferTimeline events={offer.events ?? []} />
      </div>
    </article>
  );
}
