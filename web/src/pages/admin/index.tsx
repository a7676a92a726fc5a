// Placeholder: this area's pages are still to be built; replace this file.
import { Placeholder } from '../../components/status';
import type { PageProps } from '../../routes';

/** /admin and every /admin/* page (params['*'] is the rest of the path). */
export function AdminPage({ params }: PageProps) {
  return <Placeholder title={params['*'] ? `Admin: ${params['*']}` : 'Admin'} />;
}
