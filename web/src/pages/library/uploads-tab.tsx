import type { Track } from '../../lib/types';
import { TrackList } from '../tracks/track-list';
import { useTrackPages } from '../tracks/use-tracks';

export function UploadsTab({ userId }: { userId: string }) {
  const paged = useTrackPages<Track>('/tracks', { owner: userId });
  return (
    <>
      <div class="page-head">
        <h2>My uploads</h2>
        <a class="button" href="/tracks/upload">
          Upload a track
        </a>
      </div>
      <TrackList
        paged={paged}
        trackOf={(t) => t}
        label="My uploads"
        empty={
          <p>
            You haven't uploaded a track yet. <a href="/tracks/upload">Upload one</a>
          </p>
        }
      />
    </>
  );
}
