/**
 * Every key of the vault with what the key table and the key pickers show: state, aliases,
 * rotation. One instance lives for the page (App.svelte). It reads the whole vault once, when
 * the page opens; after that, each vault-changed broadcast names the keys a change touched, and
 * the catalog re-reads only those — at once if a view that shows it is open, else when the next
 * such view opens — so a change costs the same at 10 keys and at 10,000 (issue 16).
 *
 * A reload is ListKeyDetails, a page of 1000 keys at a time: a Pocket KMS addition that answers,
 * per key, what DescribeKey, GetKeyRotationStatus and ListAliases would — one audited call per
 * 1000 keys, where AWS's way (ListKeys, then DescribeKey and GetKeyRotationStatus per key) took
 * two per key (docs/API.md, listKeyDetails). Its pages come newest first, the table's order: on
 * the first load, the catalog shows each page as it arrives (the first, of FIRST_PAGE_KEYS, fills
 * the table's first screen), and `loaded` turns true after the last. App.svelte gives the catalog
 * the background client, so Activity can leave its records out (issue 15).
 *
 * A change re-reads, per key it names, with AWS's calls, only what that kind of change can alter
 * (READS_AFTER): DescribeKey, GetKeyRotationStatus (symmetric keys only: rotation is theirs
 * alone) and ListAliases with that KeyId. Changes arriving within UPDATE_DELAY_MS are applied
 * together.
 */
import { untrack } from 'svelte';
import type {
  GetKeyRotationStatusResponse,
  KeyDetails,
  KeyMetadata,
  KeyState,
} from '../../../workers/api.ts';
import { isRsaKeySpec } from '../../../workers/key-specs.ts';
import type { KmsClient } from '../../kms/client.ts';
import { coalesce } from '../../ui/coalesce.ts';

export interface KeySummary {
  KeyId: string;
  Arn: string;
  KeyState: KeyState;
  KeySpec: KeyMetadata['KeySpec'];
  KeyUsage: KeyMetadata['KeyUsage'];
  /** The algorithm list that applies to the key's usage (the others are absent, as in AWS). */
  EncryptionAlgorithms?: KeyMetadata['EncryptionAlgorithms'];
  SigningAlgorithms?: KeyMetadata['SigningAlgorithms'];
  MacAlgorithms?: KeyMetadata['MacAlgorithms'];
  CreationDate: Date;
  Description: string;
  DeletionDate?: Date;
  /** Alias names (alias/…) that point at this key, sorted. */
  Aliases: string[];
  RotationEnabled: boolean;
  RotationPeriodInDays?: number;
  NextRotationDate?: Date;
}

interface CatalogOptions {
  /** Called once, when the first page of keys has answered (successfully or not). */
  onFirstList?: () => void;
}

/** What the catalog holds of a key, each part read by its own call. */
type KeyPart = 'metadata' | 'rotation' | 'aliases';

const EVERY_PART: readonly KeyPart[] = ['metadata', 'rotation', 'aliases'];

/**
 * The parts of a named key each change can alter; any event not listed re-reads every part.
 * CreateKey takes neither an alias nor a rotation setting (as in AWS): a new key has none. Tags
 * and a backup change nothing the catalog shows.
 */
const READS_AFTER: Readonly<Record<string, readonly KeyPart[]>> = {
  CreateKey: ['metadata'],
  CreateAlias: ['aliases'],
  UpdateAlias: ['aliases'],
  DeleteAlias: ['aliases'],
  EnableKeyRotation: ['rotation'],
  DisableKeyRotation: ['rotation'],
  TagResource: [],
  UntagResource: [],
  ExportVaultBackup: [],
};

/**
 * The first page of a load: enough for the key table's first screen (50 rows), so the table shows
 * before the rest of a large vault is read. The pages after it are of 1000, the most a page holds.
 */
const FIRST_PAGE_KEYS = 100;
const PAGE_KEYS = 1000;

/**
 * How long the catalog gathers changes before reading: a burst (a script making keys in a loop,
 * another tab restoring a backup) becomes one update, each key read once.
 */
const UPDATE_DELAY_MS = 50;

export class KeyCatalog {
  /** Newest key first. */
  keys = $state.raw<KeySummary[]>([]);
  /**
   * True once a reload has completed. Until the first has, `keys` holds the pages read so far
   * (newest first): enough to show, not to say a kind of key is missing.
   */
  loaded = $state(false);
  /** What the last reload or update failed with, or null. */
  error = $state.raw<unknown>(null);

  /** Reads the whole vault again (the page does this once, when it opens). */
  readonly refresh: () => Promise<void>;
  readonly #update: () => Promise<void>;
  #firstList: (() => void) | undefined;
  #watchers = 0;
  /** Keys changed since they were last read, and which of their parts to read. */
  // Bookkeeping no view reads: plain collections, never reactive state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (above)
  #changed = new Map<string, Set<KeyPart>>();
  #updateTimer: ReturnType<typeof setTimeout> | undefined;
  /** refresh() was asked for: the next run reads everything. */
  #reloadDue = false;

  constructor(
    private readonly client: KmsClient,
    options: CatalogOptions = {},
  ) {
    this.#firstList = options.onFirstList;
    // One queue for both: an update never runs beside a reload, and changes that arrive while
    // either runs are read by the run queued after it.
    const run = coalesce(async () => {
      if (this.#reloadDue) await this.#load();
      else await this.#applyChanges();
    });
    this.refresh = () => {
      this.#reloadDue = true;
      return run();
    };
    this.#update = run;
  }

  /**
   * Declares a view that shows the catalog (call from an $effect; returns the cleanup). While
   * at least one is open, changes are read at once.
   */
  watch(): () => void {
    this.#watchers++;
    // Called from an $effect: the update must not become one of the effect's dependencies.
    if (this.#changed.size > 0) untrack(() => this.#scheduleUpdate());
    return () => {
      this.#watchers--;
    };
  }

  /**
   * A tab changed the vault (`eventName`, touching `keyIds`). Re-read those keys soon if anyone
   * is looking, else remember to. A change that names no key changed none the catalog shows.
   */
  invalidate(eventName: string, keyIds: readonly string[]): void {
    const parts = READS_AFTER[eventName] ?? EVERY_PART;
    if (parts.length === 0) return;
    for (const keyId of keyIds) {
      const wanted = this.#changed.get(keyId);
      if (wanted) for (const part of parts) wanted.add(part);
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (#changed)
      else this.#changed.set(keyId, new Set(parts));
    }
    if (this.#watchers > 0 && this.#changed.size > 0) this.#scheduleUpdate();
  }

  /** The key that `keyId` (a key id or key ARN) names, if it is in the catalog. */
  find(keyId: string): KeySummary | undefined {
    return this.keys.find((key) => key.KeyId === keyId || key.Arn === keyId);
  }

  #scheduleUpdate(): void {
    if (this.#updateTimer !== undefined) return;
    this.#updateTimer = setTimeout(() => {
      this.#updateTimer = undefined;
      void this.#update();
    }, UPDATE_DELAY_MS);
  }

  async #load(): Promise<void> {
    this.#reloadDue = false;
    // A full read covers every change made before it starts.
    this.#changed.clear();
    try {
      // By key id: a key restored with an earlier creation date while the pages are read moves
      // the later ones along, so one can come twice. A local table, never reactive state.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (above)
      const keys = new Map<string, KeySummary>();
      let marker: string | undefined;
      do {
        const page = await this.client
          .listKeyDetails({
            Limit: marker ? PAGE_KEYS : FIRST_PAGE_KEYS,
            ...(marker && { Marker: marker }),
          })
          .finally(() => this.#announceFirstList());
        for (const details of page.Keys) {
          keys.set(details.KeyMetadata.KeyId, detailsSummary(details));
        }
        marker = page.Truncated ? page.NextMarker : undefined;
        // The first load shows what it has (the pages come newest first); a later one keeps the
        // list it replaces until it is done.
        if (!this.loaded && marker) this.keys = [...keys.values()];
      } while (marker);
      this.keys = [...keys.values()].sort(newestFirst);
      this.error = null;
    } catch (error) {
      this.error = error;
    } finally {
      this.loaded = true;
    }
  }

  /** Re-reads the parts of the keys changed since the last read, and only those. */
  async #applyChanges(): Promise<void> {
    if (this.#changed.size === 0) return;
    const changed = [...this.#changed];
    this.#changed.clear();
    try {
      // Local lookup tables of this update, never reactive state.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (above)
      const known = new Map(this.keys.map((key) => [key.KeyId, key]));
      const read = await Promise.all(
        changed.map(([keyId, parts]) => this.#reread(keyId, parts, known.get(keyId))),
      );
      // The list may have changed while the reads ran (only by this method, which does not run
      // twice at once, or by #load, which never runs beside it): rebuild from the current one.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (above)
      const replaced = new Map(changed.map(([keyId], index) => [keyId, read[index]]));
      const kept = this.keys.filter((key) => !replaced.has(key.KeyId));
      const added = read.filter((key): key is KeySummary => key !== undefined);
      this.keys = [...kept, ...added].sort(newestFirst);
      this.error = null;
    } catch (error) {
      this.error = error;
    }
  }

  /** The key after a change: `parts` read again, the rest as it was; undefined once it is gone. */
  async #reread(
    keyId: string,
    parts: ReadonlySet<KeyPart>,
    before: KeySummary | undefined,
  ): Promise<KeySummary | undefined> {
    // A key this catalog has not seen (made in another tab, or restored) is read whole.
    if (!before) {
      const justCreated = parts.size === 1 && parts.has('metadata');
      const aliases = justCreated ? [] : await this.#aliasesOf(keyId);
      return this.#summary(keyId, aliases, justCreated);
    }
    try {
      const [metadata, rotation, aliases] = await Promise.all([
        parts.has('metadata') ? this.#describe(keyId) : undefined,
        parts.has('rotation') && before.KeySpec === 'SYMMETRIC_DEFAULT'
          ? this.#rotationOf(keyId)
          : undefined,
        parts.has('aliases') ? this.#aliasesOf(keyId) : undefined,
      ]);
      return {
        ...before,
        ...metadata,
        ...(rotation && rotationFields(rotation)),
        ...(aliases && { Aliases: aliases }),
      };
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFoundException') return undefined;
      throw error;
    }
  }

  #announceFirstList(): void {
    const announce = this.#firstList;
    this.#firstList = undefined;
    announce?.();
  }

  /** The alias names of one key, sorted (ListAliases with its KeyId, as AWS offers). */
  async #aliasesOf(keyId: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.client.listAliases({
        Limit: 100,
        KeyId: keyId,
        ...(marker && { Marker: marker }),
      });
      names.push(...page.Aliases.map((alias) => alias.AliasName));
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return names.sort();
  }

  async #describe(keyId: string): Promise<Omit<KeySummary, 'Aliases' | RotationField>> {
    return metadataFields((await this.client.describeKey({ KeyId: keyId })).KeyMetadata);
  }

  #rotationOf(keyId: string): Promise<GetKeyRotationStatusResponse | undefined> {
    return this.client.getKeyRotationStatus({ KeyId: keyId }).catch(notForThisKeySpec);
  }

  /**
   * A key a change names that the catalog has not seen, read whole with `aliases` (sorted);
   * undefined when it is gone by the time DescribeKey reads it. `newKey`: the key was just
   * created, so its rotation is off and is not asked for.
   */
  async #summary(
    keyId: string,
    aliases: string[],
    newKey = false,
  ): Promise<KeySummary | undefined> {
    try {
      const metadata = await this.#describe(keyId);
      // Rotation applies to symmetric keys only; AWS refuses GetKeyRotationStatus for the rest.
      const rotation =
        !newKey && metadata.KeySpec === 'SYMMETRIC_DEFAULT'
          ? await this.#rotationOf(keyId)
          : undefined;
      return {
        ...metadata,
        Aliases: aliases,
        ...rotationFields(rotation),
      };
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFoundException') return undefined;
      throw error;
    }
  }
}

type RotationField = 'RotationEnabled' | 'RotationPeriodInDays' | 'NextRotationDate';

/** What a summary takes from KeyMetadata (DescribeKey's, or ListKeyDetails'). */
function metadataFields(key: KeyMetadata): Omit<KeySummary, 'Aliases' | RotationField> {
  return {
    KeyId: key.KeyId,
    Arn: key.Arn,
    KeyState: key.KeyState,
    KeySpec: key.KeySpec,
    KeyUsage: key.KeyUsage,
    ...(key.EncryptionAlgorithms && { EncryptionAlgorithms: key.EncryptionAlgorithms }),
    ...(key.SigningAlgorithms && { SigningAlgorithms: key.SigningAlgorithms }),
    ...(key.MacAlgorithms && { MacAlgorithms: key.MacAlgorithms }),
    CreationDate: key.CreationDate,
    Description: key.Description,
    // Present as undefined when absent, so an update clears a cancelled deletion.
    DeletionDate: key.DeletionDate,
  };
}

/** A key as one entry of ListKeyDetails gives it. */
function detailsSummary(details: KeyDetails): KeySummary {
  return {
    ...metadataFields(details.KeyMetadata),
    Aliases: [...details.Aliases].sort(),
    ...rotationFields(details),
  };
}

/** A summary's rotation fields; every one present (undefined when absent) so an update replaces them. */
function rotationFields(
  rotation:
    | Partial<
        Pick<
          GetKeyRotationStatusResponse,
          'KeyRotationEnabled' | 'RotationPeriodInDays' | 'NextRotationDate'
        >
      >
    | undefined,
): Pick<KeySummary, RotationField> {
  return {
    RotationEnabled: rotation?.KeyRotationEnabled ?? false,
    RotationPeriodInDays: rotation?.RotationPeriodInDays,
    NextRotationDate: rotation?.NextRotationDate,
  };
}

function newestFirst(a: KeySummary, b: KeySummary): number {
  return b.CreationDate.getTime() - a.CreationDate.getTime();
}

/**
 * For calls that AWS refuses for some key specs (rotation of asymmetric or HMAC keys is
 * UnsupportedOperationException): undefined instead of a failed view.
 */
export function notForThisKeySpec(error: unknown): undefined {
  if (error instanceof Error && error.name === 'UnsupportedOperationException') return undefined;
  throw error;
}

/** Keys that encrypt and decrypt text: symmetric ENCRYPT_DECRYPT keys. */
export function encryptsText(key: Pick<KeySummary, 'KeySpec' | 'KeyUsage'>): boolean {
  return key.KeySpec === 'SYMMETRIC_DEFAULT' && key.KeyUsage === 'ENCRYPT_DECRYPT';
}

/** Keys that sign and verify: asymmetric SIGN_VERIFY keys. */
export function signsMessages(key: Pick<KeySummary, 'KeyUsage'>): boolean {
  return key.KeyUsage === 'SIGN_VERIFY';
}

/** Keys that generate and verify MACs: HMAC keys. */
export function generatesMacs(key: Pick<KeySummary, 'KeyUsage'>): boolean {
  return key.KeyUsage === 'GENERATE_VERIFY_MAC';
}

/** Keys that encrypt short text with RSAES-OAEP: RSA ENCRYPT_DECRYPT keys. */
export function encryptsWithRsa(key: Pick<KeySummary, 'KeySpec' | 'KeyUsage'>): boolean {
  return isRsaKeySpec(key.KeySpec) && key.KeyUsage === 'ENCRYPT_DECRYPT';
}

/**
 * The key a picker shows: the one the person chose, or — until one is chosen, or if it was
 * deleted — the newest enabled key, else the newest key; '' when there is none.
 */
export function chooseKey(keys: readonly KeySummary[], chosenKeyId: string): string {
  return (
    keys.find((key) => key.KeyId === chosenKeyId)?.KeyId ??
    keys.find((key) => key.KeyState === 'Enabled')?.KeyId ??
    keys[0]?.KeyId ??
    ''
  );
}

/** Whether a search (any case) matches the key's id, description or one of its aliases. */
export function keyMatches(
  key: Pick<KeySummary, 'KeyId' | 'Description' | 'Aliases'>,
  search: string,
): boolean {
  const needle = search.trim().toLowerCase();
  return (
    key.KeyId.toLowerCase().includes(needle) ||
    key.Description.toLowerCase().includes(needle) ||
    key.Aliases.some((alias) => alias.toLowerCase().includes(needle))
  );
}

/** How a key is named to people: its first alias, else its key id. */
export function keyLabel(key: Pick<KeySummary, 'KeyId' | 'Aliases'>): string {
  return key.Aliases[0] ?? key.KeyId;
}
