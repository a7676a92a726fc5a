// Placeholder: this area's pages are still to be built; replace this file.
import { Placeholder } from '../../components/status';
import type { PageProps } from '../../routes';

export function TracksPage() {
  return <Placeholder title="Tracks" />;
}

export function UploadPage() {
  return <Placeholder title="Upload a track" />;
}

export function TrackPage({ params }: PageProps) {
  return <Placeholder title={`Track ${params.id}`} />;
}
