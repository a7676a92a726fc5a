import { Forbidden, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { useSession, useTitle } from '../../lib/hooks';
import { listingHref } from '../../lib/links';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Listing, ListingPatch, NewListing } from '../../lib/types';
import type { PageProps } from '../../routes';
import { ListingForm } from './listing-form';
import { ListingGone } from './listing-gone';
import { useCategoryList } from './use-category-list';
import { useListing } from './use-listing';

export function EditListingPage({ params }: PageProps) {
  const id = params.id ?? '';
  const user = useSession();
  const { listing, error, reload } = useListing(id);
  const categories = useCategoryList();
  useTitle(listing ? `Edit ${listing.title}` : undefined);

  if (error) return <ListingGone error={error} onRetry={() => void reload()} />;
  if (!listing || categories === null) return <Loading />;
  if (listing.seller.id !== user?.id) return <Forbidden />;

  async function save(body: NewListing) {
    // The form leaves `publish` out when editing: what is left is a whole patch.
    const patch: ListingPatch = body;
    const saved = await api<Listing>('PATCH', `/listings/${encodeURIComponent(id)}`, patch);
    toast('Listing saved.', 'success');
    navigate(listingHref(saved.id), { replace: true });
  }

  return (
    <section class="form-page">
      <p class="breadcrumb">
        <a href={listingHref(id)}>Back to the listing</a>
      </p>
      <h1>Edit listing</h1>
      {listing.status === 'sold' ? (
        <p class="notice">This listing is sold: it can no longer be changed.</p>
      ) : (
        <ListingForm initial={listing} categories={categories} submitLabel="Save changes" busyLabel="Saving…" onSubmit={save} />
      )}
    </section>
  );
}
