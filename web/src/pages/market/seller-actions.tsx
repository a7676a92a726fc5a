import { useState } from 'preact/hooks';
import { api, ApiError } from '../../lib/api';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Listing, ListingStatus } from '../../lib/types';
import { ConfirmDialog } from './dialog';
import { showError } from './errors';

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
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  async function transition(t: Transition) {
    setBusy(true);
    try {
      onChange(await api<Listing>('POST', `/listings/${encodeURIComponent(listing.id)}/${t}`));
      toast(TRANSITIONS[t].done, 'success');
    } catch (e) {
      showError(e);
      if (e instanceof ApiError && e.status === 409) onStale();
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    try {
      await api('DELETE', `/listings/${encodeURIComponent(listing.id)}`);
      toast('Listing deleted.', 'success');
      navigate('/market', { replace: true });
    } catch (e) {
      showError(e);
      setBusy(false);
      setConfirming(false);
      if (e instanceof ApiError && e.status === 409) onStale();
    }
  }

  if (listing.status === 'sold') return <p class="muted">Sold: this listing can no longer be changed.</p>;
  if (listing.status === 'removed') return <p class="muted">A moderator took this listing down.</p>;
  const deletable = listing.status !== 'reserved';

  return (
    <section class="panel" aria-labelledby="manage-heading">
      <h2 id="manage-heading">Your listing</h2>
      {listing.status === 'reserved' && <p class="muted">Reserved by an accepted offer: it goes back on sale if the deal is cancelled.</p>}
      <div class="actions">
        <a class="button secondary" href={`/market/listings/${encodeURIComponent(listing.id)}/edit`}>
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
      <ConfirmDialog
        open={confirming}
        title="Delete this listing?"
        confirmLabel="Delete listing"
        busy={busy}
        onConfirm={remove}
        onClose={() => setConfirming(false)}
      >
        <p>“{listing.title}” will be gone for good, and its open offers will expire.</p>
      </ConfirmDialog>
    </section>
  );
}
