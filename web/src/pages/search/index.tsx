// Placeholder: this area's pages are still to be built; replace this file.
import { Placeholder } from '../../components/status';
import type { PageProps } from '../../routes';

export function SearchPage({ query }: PageProps) {
  const q = query.get('q');
  return <Placeholder title={q ? `Search: ${q}` : 'Search'} />;
}
