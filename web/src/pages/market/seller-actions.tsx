import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../../components/dialog';
import { useAction } from '../../components/use-action';
import { api, ApiError } from '../../lib/api';
import { listingHref } from '../../lib/links';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Listing, ListingStatus } from '../../lib/types';

type Transition = 'publish' | 'archive' | 'reactivate';

const TRANSITIONS: Record<Transition, { label: string; from: ListingStatus; done: string }> = {
  publish: { label: 'Publish', from: 'draft', done: 'Your listing is for sale.' },
  archive: { label: 'Archive', from: 'active', done: 'Listing archived: it is off the market.' },
  reactivate: { label: 'Reactivate', from: 'archived', done: 'Your listing is for sale again.' },
};

/** What the seller may do with the listing in its current state. */
interface Props {
  listing: Listing;
  onChange: (l: Listing) => void;
  /** The node refused because the listing changed elsewhere: fetch it again. */
  onStale: () => void;
}

export function SellerActions({ listing, onChange, onStale }: Props) {
  const { busy, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const path = `/listings/${encodeURIComponent(listing.id)}`;

  /** Refused because the listing changed elsewhere: show it as it is now. */
  const staleToo = async (action: () => Promise<void>) => {
    try {
      await action();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) onStale();
      throw e;
    }
  };

  const transition = (t: Transition) =>
    run(() =>
      staleToo(async () => {
        onChange(await api<Listing>('POST', `${path}/${t}`));
        toast(TRANSITIONS[t].done, 'success');
      }),
    );

  const remove = () =>
    run(() =>
      staleToo(async () => {
        await api('DELETE', path);
        toast('Listing deleted.', 'success');
        navigate('/market', { replace: true });
      }),
    ).then((ok) => ok || setConfirming(false));

  if (listing.status === 'sold') return <p class="muted">Sold: this listing can no longer be changed.</p>;
  if (listing.status === 'removed') return <p class="muted">A moderator took this listing down.</p>;
  const deletable = listing.status !== 'reserved';

  return (
    <section class="panel" aria-labelledby="manage-heading">
      <h2 id="manage-heading">Your listing</h2>
      {listing.status === 'reserved' && <p class="muted">Reserved by an accepted offer: it goes back on sale if the deal is cancelled.</p>}
      <div class="actions">
        <a class="button secondary" href={`${listingHref(listing.id)}/edit`}>
          Edit
        </a>
        {(Object.keys(TRANSITIONS) as Transition[])
          .filter((t) => TRANSITIONS[t].from === listing.status)
          .map((t) => (
            <button key={t} type="button" disabled={busy} onClick={() => transition(t)}>
              {TRANSITIONS[t].label}
            </button>
          ))}
        {deletable && (
          <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
      {confirming && (
        <ConfirmDialog
          title="Delete this listing?"
          confirmLabel="Delete listing"
          cancelLabel="Go back"
          busy={busy}
          onConfirm={() => void remove()}
          onClose={() => setConfirming(false)}
        >
          <p>“{listing.title}” will be gone for good, and its open offers will expire.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
