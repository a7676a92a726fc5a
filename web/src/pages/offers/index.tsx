// Placeholder: this area's pages are still to be built; replace this file.
import { Placeholder } from '../../components/status';
import type { PageProps } from '../../routes';

export function OffersPage() {
  return <Placeholder title="Offers" />;
}

export function OfferPage({ params }: PageProps) {
  return <Placeholder title={`Offer ${params.id}`} />;
}
