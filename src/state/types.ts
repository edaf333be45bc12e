/**
 * What parts other than the check history (alerts, outbox, silences, later recovery) need from the state
 * file: named JSON sections that are persisted with everything else.
 */
export interface PersistentSections {
  /** The named section, created with init() the first time. Mutate it in place, then call markDirty(). */
  section<T extends object>(name: string, init: () => T): T;
  /** Marks the state as changed; a debounced write follows. */
  markDirty(): void;
  /** Writes now (atomically: temp file, fsync, rename) if anything changed. */
  flush(): Promise<void>;
}
