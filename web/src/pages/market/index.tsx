// Placeholder: this area's pages are still to be built; replace this file.
import { Placeholder } from '../../components/status';
import type { PageProps } from '../../routes';

export function MarketPage() {
  return <Placeholder title="Market" />;
}

export function NewListingPage() {
  return <Placeholder title="New listing" />;
}

export function ListingPage({ params }: PageProps) {
  return <Placeholder title={`Listing ${params.id}`} />;
}

export function EditListingPage({ params }: PageProps) {
  return <Placeholder title={`Edit listing ${params.id}`} />;
}
