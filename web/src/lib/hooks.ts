// Preact adapters for the framework-free stores of lib/: the only file of lib/ that knows Preact.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { resolve, type RouteDef } from '../routes';
import { currentUser } from './auth';
import { currentLocation, type Params } from './router';
import type { Store } from './store';
import { setTitle } from './title';
import type { FrameOf, FrameType, Me } from './types';
import { joinRoom, onFrame, wsState, type WsState } from './ws';

/** The store's value, re-rendering when it changes. */
export function useStore<T>(store: Store<T>): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    setValue(() => store.get()); // it may have changed between render and subscribe
    return store.subscribe((v) => setValue(() => v));
  }, [store]);
  return value;
}

/** The logged-in user, or null. */
export function useSession(): Me | null {
  return useStore(currentUser);
}

export interface Route {
  path: string;
  query: URLSearchParams;
  params: Params;
  /** null when no route matches (the app shows "not found") */
  def: RouteDef | null;
}

export function useRoute(): Route {
  const { path, search } = useStore(currentLocation);
  return useMemo(() => {
    const match = resolve(path);
    return { path, query: new URLSearchParams(search), params: match?.params ?? {}, def: match?.def ?? null };
  }, [path, search]);
}

/** Set the document title while this component is shown (e.g. a room's name once loaded). */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    if (title) setTitle(title);
  }, [title]);
}

export function useWsState(): WsState {
  return useStore(wsState);
}

/**
 * Call `onOpen` whenever the live connection opens again after being down: frames are hints,
 * not a log, so what was pushed meanwhile is only known by asking again.
 */
export function useReconnected(onOpen: () => void): void {
  const latest = useRef(onOpen);
  latest.current = onOpen;
  const { status } = useWsState();
  const previous = useRef(status);
  useEffect(() => {
    if (status === 'open' && previous.current !== 'open') latest.current();
    previous.current = status;
  }, [status]);
}

/** Handle one WebSocket frame type while mounted; the handler may change between renders. */
export function useFrame<T extends FrameType>(type: T, handler: (frame: FrameOf<T>) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => onFrame(type, (frame) => latest.current(frame)), [type]);
}

/**
 * Be subscribed to a room while mounted. `lastSeen` returns the highest `seq` shown, so that
 * after a reconnect the server replays only what is missing.
 */
export function useRoom(roomId: string | undefined, lastSeen: () => number | undefined): void {
  const latest = useRef(lastSeen);
  latest.current = lastSeen;
  useEffect(() => (roomId ? joinRoom(roomId, { lastSeen: () => latest.current() }) : undefined), [roomId]);
}
