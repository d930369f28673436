/**
 * The one context every operation receives: the vault's store and clock, key lookup with AWS's
 * key-state rules, and the list of keys the call touched (the audit record's `resources`).
 * A new context is made for each call by the audited call (workers/kms/audited-call.ts).
 */
import type { AuditResource, KeyMetadata } from '../api.ts';
import type { Clock } from '../clock.ts';
import { KmsError } from '../errors.ts';
import type { KeyRecord, KeyVersionRecord, VaultStore } from '../keystore/vault-store.ts';
import { algorithmLists, custodyOf } from '../key-specs.ts';
import { aliasArn, keyArn, parseKeyReference } from './identifiers.ts';
import { requireKeyState, type StateRule } from './key-state.ts';
import { checkKeyIdParameter } from './validation.ts';
import type { KeyMaterial } from '../crypto/key-material.ts';
import type { Custody, VaultKeys } from './vault-keys.ts';

/** What stays the same across calls on one open vault. */
export interface VaultCore {
  readonly store: VaultStore;
  readonly clock: Clock;
  /** log2 of scrypt's N for recovery passphrases (crypto/age.ts; tests use a cheaper one). */
  readonly scryptWorkFactor: number;
  /** The key material this core holds, and the vault lock's state in it (vault-keys.ts). */
  readonly keys: VaultKeys;
}

export class OperationContext {
  /** The keys this call touched, in order: the audit record's `resources`. */
  readonly resources: AuditResource[] = [];

  /**
   * `operation`: the event name of the call (Encrypt, Sign, …), which refusals name as AWS's
   * do ("… which is not valid for Encrypt.").
   */
  constructor(
    private readonly vault: VaultCore,
    readonly operation: string,
  ) {}

  get store(): VaultStore {
    return this.vault.store;
  }

  /** The vault id of this call: the store's, or the one a restore is adopting. */
  get vaultId(): string {
    return this.adoptedVaultId ?? this.vault.store.vaultId;
  }

  private adoptedVaultId: string | undefined;

  /**
   * A restore into an empty vault takes the backup's vault id: from here on, this call's ARNs
   * and its audit record name it (the store adopts it when the restore commits).
   */
  adoptVaultId(vaultId: string): void {
    this.adoptedVaultId = vaultId;
  }

  get scryptWorkFactor(): number {
    return this.vault.scryptWorkFactor;
  }

  now(): Date {
    return this.vault.clock.now();
  }

  arn(keyId: string): string {
    return keyArn(this.vaultId, keyId);
  }

  aliasArn(aliasName: string): string {
    return aliasArn(this.vaultId, aliasName);
  }

  /** Records that the call touched this key (once). */
  touch(keyId: string): void {
    const arn = this.arn(keyId);
    if (!this.resources.some((resource) => resource.ARN === arn)) {
      this.resources.push({ accountId: this.vaultId, type: 'AWS::KMS::Key', ARN: arn });
    }
  }

  aliasNotFound(aliasName: string): KmsError {
    return new KmsError('NotFoundException', `Alias ${this.aliasArn(aliasName)} is not found.`);
  }

  /**
   * The key id a KeyId value names (id, key ARN, alias name, alias ARN), without loading the
   * key. An alias must exist, since it is resolved now.
   */
  async keyIdOf(given: string): Promise<string> {
    const reference = parseKeyReference(this.vaultId, given);
    if (reference.kind === 'invalid') {
      throw new KmsError('NotFoundException', `Invalid keyId '${given}'`);
    }
    if (reference.kind === 'key') return reference.keyId;
    const alias = await this.store.getAlias(reference.aliasName);
    if (!alias) throw this.aliasNotFound(reference.aliasName);
    return alias.TargetKeyId;
  }

  /**
   * Resolves a KeyId parameter (id, key ARN, alias name, alias ARN) to the key record, touches
   * it for the audit record and checks its state against `rule` (AWS's key-state table).
   */
  async resolveKey(parameter: string, value: unknown, rule: StateRule): Promise<KeyRecord> {
    const keyId = await this.keyIdOf(checkKeyIdParameter(parameter, value));
    const key = await this.store.getKey(keyId);
    if (!key) throw new KmsError('NotFoundException', `Key '${this.arn(keyId)}' does not exist`);
    this.touch(key.KeyId);
    requireKeyState(this.arn(key.KeyId), key.KeyState, rule);
    return key;
  }

  /** The recipient new key material is sealed to, once recovery is set up. */
  async recoveryRecipient(): Promise<string | undefined> {
    return (await this.store.getVaultRecord())?.Recovery?.Recipient;
  }

  get keys(): VaultKeys {
    return this.vault.keys;
  }

  /** Where new material goes: the recovery recipient and, with a lock, the vault key. */
  async custody(): Promise<Custody> {
    return this.vault.keys.custody(await this.recoveryRecipient());
  }

  /** The version's CryptoKeys; VaultLockedException while the vault is locked. */
  material(key: KeyRecord, version: KeyVersionRecord): Promise<KeyMaterial> {
    return this.vault.keys.materialOf(key, version);
  }

  /** The version's CryptoKey (the AES or HMAC key, the first private key); see material. */
  async cryptoKey(key: KeyRecord, version: KeyVersionRecord): Promise<CryptoKey> {
    return (await this.material(key, version)).cryptoKey;
  }

  async currentVersion(key: KeyRecord): Promise<KeyVersionRecord> {
    const version = await this.store.getKeyVersion(key.KeyId, key.CurrentVersion);
    if (!version) throw new Error('current key version missing');
    return version;
  }

  /** `currentMaterialId` is undefined only for an EXTERNAL key whose material was never imported. */
  metadata(key: KeyRecord, currentMaterialId: string | undefined): KeyMetadata {
    return {
      AWSAccountId: this.vaultId,
      KeyId: key.KeyId,
      Arn: this.arn(key.KeyId),
      CreationDate: key.CreationDate,
      Enabled: key.KeyState === 'Enabled',
      Description: key.Description,
      KeyUsage: key.KeyUsage,
      KeyState: key.KeyState,
      ...(key.DeletionDate && {
        DeletionDate: key.DeletionDate,
        PendingDeletionWindowInDays: key.PendingDeletionWindowInDays!,
      }),
      Origin: key.Origin,
      KeyManager: 'CUSTOMER',
      KeySpec: key.KeySpec,
      CustomerMasterKeySpec: key.KeySpec,
      ...algorithmLists(key.KeySpec, key.KeyUsage),
      Custody: custodyOf(key.KeySpec),
      MultiRegion: false,
      // AWS gives it for symmetric keys only.
      ...(currentMaterialId !== undefined &&
        key.KeySpec === 'SYMMETRIC_DEFAULT' && { CurrentKeyMaterialId: currentMaterialId }),
      ...(key.ExpirationModel && { ExpirationModel: key.ExpirationModel }),
      ...(key.ValidTo && { ValidTo: key.ValidTo }),
      ...(key.RawAesKeyring && { RawAesKeyring: { ...key.RawAesKeyring } }),
    };
  }

  /** KeyMetadata as DescribeKey answers it. */
  async describe(key: KeyRecord): Promise<KeyMetadata> {
    return this.describeWith(key, await this.store.getKeyVersion(key.KeyId, key.CurrentVersion));
  }

  /** KeyMetadata as DescribeKey answers it, from the key and its current version record. */
  describeWith(key: KeyRecord, currentVersion: KeyVersionRecord | undefined): KeyMetadata {
    // An EXTERNAL key has no version record until its material is imported, nor after it is
    // deleted; like AWS, it then still names the material it had.
    return this.metadata(key, currentVersion?.KeyMaterialId ?? key.ImportedKeyMaterialId);
  }
}
