import { useSession } from '../../lib/hooks';

const AREAS = [
  { href: '/rooms', title: 'Chat', text: 'Public rooms and direct messages, live.' },
  { href: '/market', title: 'Market', text: 'Buy and sell gear, make and answer offers.' },
  { href: '/tracks', title: 'Tracks', text: 'Upload, stream and collect music.' },
  { href: '/search', title: 'Search', text: 'Find people, rooms, listings and tracks.' },
];

export function HomePage() {
  const user = useSession();
  return (
    <section class="home">
      <h1>{user ? `Welcome back, ${user.display_name || user.username}` : 'Welcome to Veza'}</h1>
      <p class="lead">A home for musicians: talk, trade and share tracks.</p>
      {!user && (
        <p class="actions">
          <a class="button" href="/register">
            Create an account
          </a>
          <a class="button secondary" href="/login">
            Log in
          </a>
        </p>
      )}
      <ul class="cards">
        {AREAS.map((a) => (
          <li key={a.href} class="card">
            <h2>
              <a href={a.href}>{a.title}</a>
            </h2>
            <p>{a.text}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
