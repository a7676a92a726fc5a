import { Fact } from '../../components/facts';
import { formatDate } from '../../lib/format';
import type { PublicProfile } from '../../lib/types';
import { Avatar } from './avatar';

/** Who this is: picture, names, bio, location (own profile) and since when. */
export function ProfileCard({ profile, location }: { profile: PublicProfile; location?: string | null | undefined }) {
  const name = profile.display_name || profile.username;
  return (
    <header class="profile-card">
      <Avatar url={profile.avatar_url} name={name} />
      <div class="profile-text">
        <h1>{name}</h1>
        <p class="profile-handle muted">@{profile.username}</p>
        {profile.bio ? <p class="profile-bio">{profile.bio}</p> : <p class="muted">No bio yet.</p>}
        <dl class="facts">
          {location && <Fact label="Location">{location}</Fact>}
          <Fact label="Joined">
            <time dateTime={profile.created_at}>{formatDate(profile.created_at)}</time>
          </Fact>
        </dl>
      </div>
    </header>
  );
}
