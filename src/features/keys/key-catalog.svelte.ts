/**
 * Every key of the vault with what the key table and the key pickers show: state, aliases,
 * rotation. One instance lives for the page (App.svelte). When any tab changes the vault it
 * reloads — at once if a view that shows it is open, else when the next such view opens.
 *
 * The API has no "list keys with details" call — as in AWS, a console lists keys, then
 * describes each one — so a reload is ListKeys, ListAliases, and DescribeKey plus
 * GetKeyRotationStatus per key. Each of those writes an audit record, as in AWS.
 */
import { untrack } from 'svelte';
import type { KeyMetadata, KeyState } from '../../../workers/api.ts';
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
  /** Called once, when the first ListKeys call has answered (successfully or not). */
  onFirstList?: () => void;
}

export class KeyCatalog {
  /** Newest key first. */
  keys = $state.raw<KeySummary[]>([]);
  /** True once a reload has completed. */
  loaded = $state(false);
  /** What the last reload failed with, or null. */
  error = $state.raw<unknown>(null);

  readonly refresh: () => Promise<void>;
  #firstList: (() => void) | undefined;
  #watchers = 0;
  #stale = false;

  constructor(
    private readonly client: KmsClient,
    options: CatalogOptions = {},
  ) {
    this.#firstList = options.onFirstList;
    this.refresh = coalesce(() => this.#load());
  }

  /**
   * Declares a view that shows the catalog (call from an $effect; returns the cleanup). While
   * at least one is open, changes reload the catalog at once.
   */
  watch(): () => void {
    this.#watchers++;
    // Called from an $effect: the reload must not become one of the effect's dependencies.
    if (this.#stale) untrack(() => void this.refresh());
    return () => {
      this.#watchers--;
    };
  }

  /** The vault changed. Reload now if anyone is looking, else remember to. */
  invalidate(): void {
    this.#stale = true;
    if (this.#watchers > 0) void this.refresh();
  }

  /** The key that `keyId` (a key id or key ARN) names, if it is in the catalog. */
  find(keyId: string): KeySummary | undefined {
    return this.keys.find((key) => key.KeyId === keyId || key.Arn === keyId);
  }

  async #load(): Promise<void> {
    this.#stale = false;
    try {
      const ids = await this.#listKeyIds();
      const aliases = await this.#listAliases();
      const keys = await Promise.all(
        ids.map((keyId) => this.#summary(keyId, aliases.get(keyId) ?? [])),
      );
      this.keys = keys
        .filter((key): key is KeySummary => key !== undefined)
        .sort((a, b) => b.CreationDate.getTime() - a.CreationDate.getTime());
      this.error = null;
    } catch (error) {
      this.error = error;
    } finally {
      this.loaded = true;
    }
  }

  #announceFirstList(): void {
    const announce = this.#firstList;
    this.#firstList = undefined;
    announce?.();
  }

  async #listKeyIds(): Promise<string[]> {
    const ids: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.client
        .listKeys({ Limit: 1000, ...(marker && { Marker: marker }) })
        .finally(() => this.#announceFirstList());
      ids.push(...page.Keys.map((key) => key.KeyId));
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return ids;
  }

  async #listAliases(): Promise<Map<string, string[]>> {
    // A local lookup table, read once by #load and never reactive state.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (above)
    const byKey = new Map<string, string[]>();
    let marker: string | undefined;
    do {
      const page = await this.client.listAliases({ Limit: 100, ...(marker && { Marker: marker }) });
      for (const alias of page.Aliases) {
        byKey.set(alias.TargetKeyId, [...(byKey.get(alias.TargetKeyId) ?? []), alias.AliasName]);
      }
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return byKey;
  }

  /** Undefined when the key was deleted between ListKeys and DescribeKey. */
  async #summary(keyId: string, aliases: string[]): Promise<KeySummary | undefined> {
    try {
      const [{ KeyMetadata: key }, rotation] = await Promise.all([
        this.client.describeKey({ KeyId: keyId }),
        this.client.getKeyRotationStatus({ KeyId: keyId }).catch(notForThisKeySpec),
      ]);
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
        ...(key.DeletionDate && { DeletionDate: key.DeletionDate }),
        Aliases: aliases.sort(),
        RotationEnabled: rotation?.KeyRotationEnabled ?? false,
        ...(rotation?.RotationPeriodInDays !== undefined && {
          RotationPeriodInDays: rotation.RotationPeriodInDays,
        }),
        ...(rotation?.NextRotationDate && { NextRotationDate: rotation.NextRotationDate }),
      };
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFoundException') return undefined;
      throw error;
    }
  }
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

/** How a key is named to people: its first alias, else its key id. */
export function keyLabel(key: Pick<KeySummary, 'KeyId' | 'Aliases'>): string {
  return key.Aliases[0] ?? key.KeyId;
}
