import { api } from '../../lib/api';
import { listingHref } from '../../lib/links';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Listing, NewListing } from '../../lib/types';
import { ListingForm } from './listing-form';
import { useCategoryList } from './use-category-list';

export function NewListingPage() {
  const categories = useCategoryList();

  async function create(body: NewListing) {
    const listing = await api<Listing>('POST', '/listings', body);
    toast(listing.status === 'active' ? 'Your listing is for sale.' : 'Draft saved: publish it when you are ready.', 'success');
    navigate(listingHref(listing.id), { replace: true });
  }

  return (
    <section class="form-page">
      <p class="breadcrumb">
        <a href="/market">Market</a>
      </p>
      <h1>New listing</h1>
      {categories !== null && categories.length === 0 ? (
        <p class="notice">There are no categories yet, so nothing can be listed. An administrator has to create some first.</p>
      ) : (
        <ListingForm categories={categories ?? []} submitLabel="Create listing" busyLabel="Creating…" onSubmit={create} />
      )}
    </section>
  );
}
