// Placeholder: this area's pages are still to be built; replace this file.
import { Placeholder } from '../../components/status';
import type { PageProps } from '../../routes';

export function PlaylistPage({ params }: PageProps) {
  return <Placeholder title={`Playlist ${params.id}`} />;
}
