/**
 * One key as its page shows it: metadata, aliases, tags, rotation status and history. Reloads
 * (coalesced) whenever any tab changes the vault.
 */
import type {
  AliasListEntry,
  GetKeyRotationStatusResponse,
  KeyMetadata,
  RotationListEntry,
  RotationType,
  Tag,
} from '../../../workers/api.ts';
import type { KmsClient } from '../../kms/client.ts';
import { coalesce } from '../../ui/coalesce.ts';
import { notForThisKeySpec } from './key-catalog.svelte.ts';

export interface KeyVersionRow {
  /** 1 is the original material; each rotation adds the next number. */
  version: number;
  date: Date;
  type: 'ORIGINAL' | RotationType;
  /**
   * Unknown only for the original material of a key that rotated before this browser ever showed
   * its page: ListKeyRotations lists rotations only (see rememberOriginalMaterial).
   */
  materialId?: string;
  current: boolean;
}

const ORIGINAL_MATERIAL_PREFIX = 'pocket-kms:original-key-material:';

/**
 * The original material's KeyMaterialId, as this browser last saw it. DescribeKey names only the
 * current material and ListKeyRotations only the rotations, so once a key has rotated nothing in
 * the API names version 1's material again: the page remembers it (an identifier, not a secret —
 * the audit log holds it too) from the last time it saw the key unrotated. Storage that is
 * unavailable (private mode, quota) only means the id shows as unknown.
 */
function rememberOriginalMaterial(keyId: string, materialId?: string): string | undefined {
  try {
    if (materialId !== undefined)
      localStorage.setItem(ORIGINAL_MATERIAL_PREFIX + keyId, materialId);
    return localStorage.getItem(ORIGINAL_MATERIAL_PREFIX + keyId) ?? undefined;
  } catch {
    return materialId;
  }
}

/** Equal as JSON (dates compare as ISO strings): used to keep unchanged values unchanged. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class KeyDetail {
  metadata = $state.raw<KeyMetadata | null>(null);
  aliases = $state.raw<AliasListEntry[]>([]);
  tags = $state.raw<Tag[]>([]);
  rotation = $state.raw<GetKeyRotationStatusResponse | null>(null);
  rotations = $state.raw<RotationListEntry[]>([]);
  /** Version 1's KeyMaterialId, once this browser has seen it (rememberOriginalMaterial). */
  originalMaterialId = $state<string | undefined>();
  loaded = $state(false);
  /** What the last reload failed with, or null. */
  error = $state.raw<unknown>(null);

  /** How many of the key's on-demand rotations are used. */
  onDemandCount = $derived(
    this.rotations.filter((rotation) => rotation.RotationType === 'ON_DEMAND').length,
  );

  /** Every version of the key material, newest first. */
  versions = $derived.by((): KeyVersionRow[] => {
    const metadata = this.metadata;
    if (!metadata) return [];
    const newest = this.rotations.length + 1;
    const original: KeyVersionRow = {
      version: 1,
      date: metadata.CreationDate,
      type: 'ORIGINAL',
      materialId: newest === 1 ? metadata.CurrentKeyMaterialId : this.originalMaterialId,
      current: newest === 1,
    };
    const rotated = this.rotations.map((rotation, index): KeyVersionRow => ({
      version: index + 2,
      date: rotation.RotationDate,
      type: rotation.RotationType,
      materialId: rotation.KeyMaterialId,
      current: index + 2 === newest,
    }));
    return [original, ...rotated].reverse();
  });

  readonly refresh: () => Promise<void>;

  constructor(
    private readonly client: KmsClient,
    readonly keyId: string,
  ) {
    this.refresh = coalesce(() => this.#load());
  }

  async #load(): Promise<void> {
    const KeyId = this.keyId;
    try {
      const [described, aliases, tags, rotation, rotations] = await Promise.all([
        this.client.describeKey({ KeyId }),
        this.#all(
          (Marker) => this.client.listAliases({ KeyId, Limit: 100, ...(Marker && { Marker }) }),
          (page) => page.Aliases,
        ),
        this.#all(
          (Marker) => this.client.listResourceTags({ KeyId, Limit: 50, ...(Marker && { Marker }) }),
          (page) => page.Tags,
        ),
        this.client.getKeyRotationStatus({ KeyId }).catch(notForThisKeySpec),
        this.#all(
          (Marker) =>
            this.client.listKeyRotations({ KeyId, Limit: 1000, ...(Marker && { Marker }) }),
          (page) => page.Rotations,
        ).catch(notForThisKeySpec),
      ]);
      if (!sameJson(this.metadata, described.KeyMetadata)) this.metadata = described.KeyMetadata;
      if (!sameJson(this.aliases, aliases)) this.aliases = aliases;
      if (!sameJson(this.tags, tags)) this.tags = tags;
      if (!sameJson(this.rotation, rotation ?? null)) this.rotation = rotation ?? null;
      if (!sameJson(this.rotations, rotations ?? [])) this.rotations = rotations ?? [];
      const unrotated = (rotations ?? []).length === 0;
      this.originalMaterialId = rememberOriginalMaterial(
        described.KeyMetadata.KeyId,
        unrotated ? described.KeyMetadata.CurrentKeyMaterialId : undefined,
      );
      this.error = null;
    } catch (error) {
      this.error = error;
      // The key is gone (deleted after its window, or never existed): show nothing stale.
      if (error instanceof Error && error.name === 'NotFoundException') this.metadata = null;
    } finally {
      this.loaded = true;
    }
  }

  /** Every item of a paged list. */
  async #all<P extends { Truncated: boolean; NextMarker?: string }, T>(
    fetchPage: (marker: string | undefined) => Promise<P>,
    items: (page: P) => T[],
  ): Promise<T[]> {
    const all: T[] = [];
    let marker: string | undefined;
    do {
      const page = await fetchPage(marker);
      all.push(...items(page));
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return all;
  }
}
