import { useState } from 'preact/hooks';
import { FormError } from '../../components/form';
import { Loading, PageError } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { api } from '../../lib/api';
import { useFrame, useSession, useTitle } from '../../lib/hooks';
import { loginHref } from '../../lib/router';
import type { OwnProfile, PublicProfile } from '../../lib/types';
import type { PageProps } from '../../routes';
import { EditProfileForm } from './edit-profile-form';
import { FriendsPanel } from './friends-panel';
import { ProfileActions } from './profile-actions';
import { ProfileCard } from './profile-card';
import { useSocial } from './use-social';
import './users.css';

/** /users/:name — someone's public profile; one's own with the edit form and friends. */
export function UserPage({ params }: PageProps) {
  const name = params.name ?? '';
  const me = useSession();
  const loaded = useLoad((signal) => api<PublicProfile>('GET', `/users/${encodeURIComponent(name)}`, undefined, { signal }), [name]);
  const profile = loaded.data;
  const [location, setLocation] = useState<string | null>(null);
  const social = useSocial(me);
  // The app toasts it; the friends panel shows it.
  useFrame('event', (f) => {
    if (f.kind === 'friend.request') social.reload();
  });
  useTitle(profile ? profile.display_name || profile.username : undefined);

  if (loaded.error) return <PageError error={loaded.error} title="This profile could not be loaded" />;
  if (!profile) return <Loading label="Loading the profile…" />;

  const own = !!me && me.id === profile.id;
  const onSaved = (p: OwnProfile) => {
    loaded.setData(p);
    setLocation(p.location ?? null);
  };

  return (
    <section class="profile-page">
      <ProfileCard profile={profile} location={own ? location : undefined} />
      {me && !own && (
        <>
          <ProfileActions profile={profile} social={social} />
          <FormError error={social.error} />
        </>
      )}
      {!me && (
        <p class="muted">
          <a href={loginHref()}>Log in</a> to message {profile.username} or add them
          as a friend.
        </p>
      )}
      {own && (
        <div class="profile-own">
          <EditProfileForm onSaved={onSaved} />
          <FriendsPanel social={social} />
        </div>
      )}
    </section>
  );
}
