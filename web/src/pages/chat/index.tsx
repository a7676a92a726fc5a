// Placeholder: this area's pages are still to be built; replace this file.
import { Placeholder } from '../../components/status';
import type { PageProps } from '../../routes';

export function RoomsPage() {
  return <Placeholder title="Chat rooms" />;
}

export function RoomPage({ params }: PageProps) {
  return <Placeholder title={`Room ${params.id}`} />;
}
