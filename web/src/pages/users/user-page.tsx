import { useEffect, useState } from 'preact/hooks';
import { Loading, NotFound } from '../../components/status';
import { ApiError, api, humanMessage, isAbortError } from '../../lib/api';
import { useSession, useTitle } from '../../lib/hooks';
import { loginHref } from '../../lib/router';
import type { OwnProfile, PublicProfile } from '../../lib/types';
import type { PageProps } from '../../routes';
import { EditProfileForm } from './edit-profile-form';
import { FriendsPanel } from './friends-panel';
import { ProfileActions } from './profile-actions';
import { ProfileCard } from './profile-card';
import { useSocialToasts } from './social-toasts';
import { useSocial } from './use-social';
import './users.css';

/** /users/:name — someone's public profile; one's own with the edit form and friends. */
export function UserPage({ params }: PageProps) {
  const name = params.name ?? '';
  const me = useSession();
  const [profile, setProfile] = useState<PublicProfile | null>(null);
  const [location, setLocation] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const social = useSocial(me);
  useSocialToasts((kind) => {
    if (kind === 'friend.request') social.reload();
  });
  useTitle(profile ? profile.display_name || profile.username : undefined);

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    api<PublicProfile>('GET', `/users/${encodeURIComponent(name)}`, undefined, { signal: ctrl.signal }).then(setProfile, (e) => {
      if (!isAbortError(e)) setError(e);
    });
    return () => ctrl.abort();
  }, [name]);

  if (error instanceof ApiError && error.status === 404) return <NotFound />;
  if (error) {
    return (
      <section class="status-page">
        <h1>This profile could not be loaded</h1>
        <p role="alert">{humanMessage(error)}</p>
      </section>
    );
  }
  if (!profile) return <Loading label="Loading the profile…" />;

  const own = !!me && me.id === profile.id;
  const onSaved = (p: OwnProfile) => {
    setProfile(p);
    setLocation(p.location ?? null);
  };

  return (
    <section class="profile-page">
      <ProfileCard profile={profile} location={own ? location : undefined} />
      {me && !own && (
        <>
          <ProfileActions profile={profile} social={social} />
          {social.error ? (
            <p class="form-error" role="alert">
              {humanMessage(social.error)}
            </p>
          ) : null}
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
